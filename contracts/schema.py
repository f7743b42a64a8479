"""JSON Schema for every event type, generated from the structs into ``contracts/schema/``.

One file per type (``<type>.json``: the whole envelope with that payload) plus
``envelope.json``, the union of all of them discriminated by ``type``. Regenerate with
``python -m contracts.schema`` after changing a struct; a unit test fails when the
committed files are stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Union

import msgspec

from contracts.envelope import EnvelopeFields
from contracts.events import Payload
from contracts.registry import DEFAULT_REGISTRY, Registry

SCHEMA_DIR = Path(__file__).parent / "schema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
OFFSET_PATTERN = r"(Z|z|[+-][0-9]{2}:[0-9]{2})$"


def envelope_struct(tag: str, cls: type[Payload]) -> type[msgspec.Struct]:
    """A struct for the envelope of one type: ``type`` is its tag, ``payload`` is ``cls``."""
    return msgspec.defstruct(
        f"{cls.__name__}Event",
        [("payload", cls)],
        bases=(EnvelopeFields,),
        namespace={"__doc__": f"{tag}: {cls.__doc__ or ''}".strip()},
        tag_field="type",
        tag=tag,
        frozen=True,
        kw_only=True,
        forbid_unknown_fields=True,
    )


def _require_offset(node: Any) -> None:
    """Non-Python validators should refuse naive timestamps too: add an offset pattern."""
    if isinstance(node, dict):
        if node.get("format") == "date-time":
            node["pattern"] = OFFSET_PATTERN
        for value in node.values():
            _require_offset(value)
    elif isinstance(node, list):
        for value in node:
            _require_offset(value)


def _dump(schema: dict[str, Any], title: str) -> str:
    _require_offset(schema)
    document = {"$schema": DIALECT, "title": title, **schema}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render(registry: Registry = DEFAULT_REGISTRY) -> dict[str, str]:
    """File name → JSON text of every schema file."""
    structs = {tag: envelope_struct(tag, cls) for tag, cls in registry.types.items()}
    files = {f"{tag}.json": _dump(msgspec.json.schema(s), tag) for tag, s in structs.items()}
    union: Any = Union[tuple(structs.values())]  # noqa: UP007 - built at runtime
    files["envelope.json"] = _dump(msgspec.json.schema(union), "envelope")
    return files


def generate(out_dir: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file into ``out_dir`` and delete stale ``*.json`` files there."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = render()
    for stale in out_dir.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    paths = []
    for name, text in sorted(files.items()):
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    paths = generate(Path(args[0]) if args else SCHEMA_DIR)
    print(f"wrote {len(paths)} schema files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
