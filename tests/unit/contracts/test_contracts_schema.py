"""The committed JSON Schema is fresh, and every README example validates and decodes."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from contracts import schema
from contracts.codec import decode_envelope
from contracts.registry import DEFAULT_REGISTRY

pytestmark = pytest.mark.unit

README = Path(schema.__file__).parent / "README.md"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _examples() -> list[dict[str, Any]]:
    blocks = re.findall(r"```json\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    return [json.loads(block) for block in blocks]


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((schema.SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return loaded


EXAMPLES = _examples()


def test_committed_schema_is_fresh() -> None:
    committed = {p.name: p.read_text(encoding="utf-8") for p in schema.SCHEMA_DIR.glob("*.json")}
    stale = sorted(
        n
        for n in committed.keys() | schema.render().keys()
        if committed.get(n) != schema.render().get(n)
    )
    assert not stale, f"run `python -m contracts.schema`: stale {stale}"


def test_generate_writes_one_file_per_type_plus_the_union(tmp_path: Path) -> None:
    (tmp_path / "old.v0.json").write_text("{}")
    names = {p.name for p in schema.generate(tmp_path)}
    assert names == {f"{t}.json" for t in DEFAULT_REGISTRY.types} | {"envelope.json"}
    assert not (tmp_path / "old.v0.json").exists()
    assert schema.main([str(tmp_path)]) == 0


def test_every_type_has_exactly_one_readme_example() -> None:
    assert sorted(e["type"] for e in EXAMPLES) == sorted(DEFAULT_REGISTRY.types)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e["type"])
def test_readme_example_validates_and_decodes(example: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator(_schema(f"{example['type']}.json")).validate(example)
    jsonschema.Draft202012Validator(_schema("envelope.json")).validate(example)
    envelope = decode_envelope(json.dumps(example).encode(), now=NOW)
    assert envelope.type == example["type"]
    typed = schema.envelope_struct(example["type"], DEFAULT_REGISTRY.types[example["type"]])
    msgspec.json.decode(json.dumps(example).encode(), type=typed)


def test_schema_rejects_what_the_decoder_rejects() -> None:
    example = next(e for e in EXAMPLES if e["type"] == "incident.reported.v1")
    validator = jsonschema.Draft202012Validator(_schema("envelope.json"))
    bad = [
        {**example, "occurred_at": "2026-11-20T10:20:00"},
        {**example, "incident_id": "INC 42"},
        {**example, "type": "incident.reported.v9"},
        {**example, "payload": {**example["payload"], "kind": "meteor"}},
        {**example, "extra": 1},
    ]
    for instance in bad:
        assert not validator.is_valid(instance), instance
