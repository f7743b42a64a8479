"""The bundle as JSON (for the browser's verifier) carries exactly what the zip carries
(for ``ledger-verify``): the same record bytes, proofs, columns, notes and manifest."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from ledger_verify import note

from ledger.audit import bundle_json
from ledger.audit.export_files import bundle_zip
from tests.unit.verify.ledgers import SIGNER, build, members

pytestmark = pytest.mark.unit
INCIDENTS = ["A", "B", "A", "C", "A", "B", "A"] * 5


def _ndjson(data: bytes) -> list[Any]:
    return [json.loads(line) for line in data.splitlines()]


def as_zip_members(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON document read back into the zip's members, parsed."""
    entries = doc["records"]
    read = {
        "manifest.json": doc["manifest"],
        "checkpoint": doc["checkpoint"].encode(),
        "completeness": doc["completeness"].encode(),
        "records.ndjson": [base64.b64decode(e["record"], validate=True) for e in entries],
        "proofs.ndjson": [{"position": e["position"], "proof": e["proof"]} for e in entries],
        "columns.ndjson": [e["columns"] for e in entries],
    }
    if doc["consistency"] is not None:
        read["consistency.json"] = doc["consistency"]
    return read


def zip_members(data: bytes) -> dict[str, Any]:
    files = members(data)
    read: dict[str, Any] = {
        "manifest.json": json.loads(files["manifest.json"]),
        "checkpoint": files["checkpoint"],
        "completeness": files["completeness"],
        "records.ndjson": files["records.ndjson"].splitlines(),
        "proofs.ndjson": _ndjson(files["proofs.ndjson"]),
        "columns.ndjson": _ndjson(files["columns.ndjson"]),
    }
    if "consistency.json" in files:
        read["consistency.json"] = json.loads(files["consistency.json"])
    return read


@pytest.mark.parametrize("since", [None, 9], ids=["plain", "with a consistency proof"])
def test_the_json_bundle_and_the_zip_carry_the_same(since: int | None) -> None:
    """Given one incident's bundle parts, when both writers write them, then every member
    of the zip is in the JSON document, byte for byte or value for value."""
    parts = build(INCIDENTS).bundle_parts("A", since=since)
    doc = json.loads(bundle_json.encoded(bundle_json.document(key=SIGNER.verifier(), **parts)))
    assert as_zip_members(doc) == zip_members(bundle_zip(**parts))
    assert len(doc["records"]) == INCIDENTS.count("A")


def test_the_json_bundle_names_the_key_that_signed_its_claim() -> None:
    parts = build(INCIDENTS).bundle_parts("B")
    doc = bundle_json.document(key=SIGNER.verifier(), **parts)
    assert (doc["key_name"], doc["key_id"]) == (SIGNER.name, SIGNER.key_id.hex())
    assert note.open_note(doc["completeness"], [SIGNER.verifier()])


def test_a_claim_about_other_records_is_refused() -> None:
    parts = build(INCIDENTS).bundle_parts("A")
    with pytest.raises(ValueError, match="not about these records"):
        bundle_json.document(key=SIGNER.verifier(), **{**parts, "records": parts["records"][1:]})
