"""An incident bundle as one JSON document, for a verifier that runs in a web page.

It carries what the zip carries (``export_files.bundle_zip``), member for member: each
record as base64 of its exact bytes (so that nothing a JSON parser does to text can touch
what was hashed) beside its inclusion proof and columns, the checkpoint and the signed
completeness claim as their note text, and the id of the key the claim is signed with.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from ledger_verify import canonical, note

from ledger.audit.export_files import bundle_manifest, consistency_object


def document(
    *,
    key: note.Verifier,
    origin: str,
    incident_id: str,
    checkpoint: str,
    completeness: str,
    records: Sequence[bytes],
    proofs: Sequence[Sequence[bytes]],
    columns: Sequence[Mapping[str, Any]],
    consistency: tuple[int, int, Sequence[bytes]] | None = None,
) -> dict[str, Any]:
    """The bundle of one incident as a JSON value; ``key`` signed the claim."""
    manifest = bundle_manifest(
        origin=origin, incident_id=incident_id, completeness=completeness, records=records,
        proofs=proofs, columns=columns,
    )  # fmt: skip
    entries = [
        {
            "position": c["position"],  # the row's own, as in the zip: records may be damaged
            "record": base64.b64encode(record).decode(),
            "proof": [h.hex() for h in proof],
            "columns": dict(c),
        }
        for record, proof, c in zip(records, proofs, columns, strict=True)
    ]
    return {
        "manifest": manifest, "key_name": key.name, "key_id": key.key_id.hex(),
        "checkpoint": checkpoint, "completeness": completeness, "records": entries,
        "consistency": None if consistency is None else consistency_object(consistency),
    }  # fmt: skip


def encoded(doc: dict[str, Any]) -> bytes:
    """The document's bytes: canonical JSON, so the same bundle gives the same bytes."""
    return canonical.encode(doc)
