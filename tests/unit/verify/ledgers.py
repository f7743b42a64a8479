"""Ledgers built in memory for the verifier's tests, and the edits an attacker would make.

Records are made as the ledger makes them (``ledger.domain.record.record_bytes`` around a
canonical event), exports and bundles are written by the server's own writers, and
checkpoints are signed with a key made for the test run.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger_verify import canonical, merkle, note
from ledger_verify.export import parse_entries
from ledger_verify.tiles import WIDTH, tile_path, tiles_of

from ledger.audit.export_files import ExportWriter, bundle_zip, completeness_text
from ledger.domain.record import Link, record_bytes

ORIGIN = "ledger.example/incidents"
SIGNER = note.generate(ORIGIN)
KEY = str(SIGNER.verifier())
RECORDED_AT = "2026-11-22T08:30:00.000000Z"
Mangle = Callable[[int, bytes], bytes]  # (position, record) -> the bytes stored instead


def event(incident: str, version: int, serial: int, note_text: str = "smoke in B2") -> bytes:
    """An event with every field of the contracts' envelope, and a payload with awkward
    text."""
    return canonical.encode(
        {
            "actor": {"id": "cs-agent-01", "name": "客服 agent", "role": "agent"},
            "causation_id": None,
            "correlation_id": incident,
            "expected_version": None,
            "event_id": str(uuid.UUID(int=serial + 1)),
            "incident_id": incident,
            "type": "incident.reported" if version == 1 else "incident.updated",
            "source": "test",
            "occurred_at": f"2026-11-22T08:{serial // 60 % 60:02d}:{serial % 60:02d}.000000Z",
            "payload": {"note": f'{note_text} 烟\u2028"{serial}"\t', "n": serial},
        }
    )


def columns_of(record: bytes) -> dict[str, Any]:
    """The columns the database would hold for a stored record."""
    doc = json.loads(record)
    event, prev = doc["event"], doc["prev"] or {}
    return {
        "position": doc["position"],
        "event_id": event["event_id"],
        "incident_id": event["incident_id"],
        "version": doc["version"],
        "type": event["type"],
        "source": event["source"],
        "occurred_at": event["occurred_at"],
        "recorded_at": doc["recorded_at"],
        "hash": hashlib.sha256(record).hexdigest(),
        "prev_position": prev.get("position"),
        "prev_hash": prev.get("hash"),
    }


@dataclass
class Ledger:
    incidents: list[str]
    records: list[bytes] = field(default_factory=list)
    signer: note.Signer = SIGNER

    @property
    def columns(self) -> list[dict[str, Any]]:
        return [columns_of(r) for r in self.records]

    def leaves(self, size: int | None = None) -> list[bytes]:
        return [merkle.leaf_hash(r) for r in self.records[:size]]

    def checkpoint(self, size: int | None = None, signer: note.Signer | None = None) -> str:
        size = len(self.records) if size is None else size
        body = note.checkpoint_body(ORIGIN, size, merkle.root(self.leaves(size)))
        return note.sign(body + "time 2026-11-22T08:30:00Z\n", signer or self.signer)

    def export(self, directory: Path, size: int | None = None) -> Path:
        size = len(self.records) if size is None else size
        with ExportWriter(directory, ORIGIN) as writer:
            for record in self.records[:size]:
                writer.add(record, columns_of(record))
            writer.finish(self.checkpoint(size), size)
        return directory

    def positions(self, incident: str, size: int | None = None) -> list[int]:
        return [i + 1 for i, name in enumerate(self.incidents[:size]) if name == incident]

    def bundle_parts(
        self, incident: str, size: int | None = None, since: int | None = None
    ) -> dict[str, Any]:
        """What the server's bundle writers take (zip and JSON alike) for ``incident``."""
        size = len(self.records) if size is None else size
        leaves, positions = self.leaves(size), self.positions(incident, size)
        last = self.records[positions[-1] - 1]
        claim = completeness_text(
            ORIGIN, incident, len(positions), size, merkle.root(leaves), positions[-1],
            hashlib.sha256(last).digest(),
        )  # fmt: skip
        records = [self.records[p - 1] for p in positions]
        return {
            "origin": ORIGIN,
            "incident_id": incident,
            "checkpoint": self.checkpoint(size),
            "completeness": note.sign(claim, self.signer),
            "records": records,
            "proofs": [merkle.inclusion_proof(leaves, p - 1) for p in positions],
            "columns": [columns_of(r) for r in records],
            "consistency": None if since is None else (
                since, size, merkle.consistency_proof(leaves, since)
            ),
        }  # fmt: skip

    def bundle(self, incident: str, size: int | None = None, since: int | None = None) -> bytes:
        return bundle_zip(**self.bundle_parts(incident, size, since))


def build(incidents: Sequence[str], mangle: Mangle | None = None, note_text: str = "") -> Ledger:
    """A ledger of one record per entry of ``incidents``, in that order, chained per
    incident; ``mangle`` may change a record before it is hashed (and signed)."""
    ledger, heads = Ledger(list(incidents)), dict[str, tuple[int, int, bytes]]()
    for serial, incident in enumerate(incidents):
        position, head = serial + 1, heads.get(incident)
        version = head[0] + 1 if head else 1
        record = record_bytes(
            event(incident, version, serial, note_text or "smoke in B2"),
            origin=ORIGIN, position=position, version=version, recorded_at=RECORDED_AT,
            prev=Link(head[1], head[2]) if head else None,
        )  # fmt: skip
        record = mangle(position, record) if mangle else record
        ledger.records.append(record)
        heads[incident] = (version, position, hashlib.sha256(record).digest())
    return ledger


def entries(directory: Path, size: int) -> list[bytes]:
    """The records of an export's entry bundles, in order."""
    out: list[bytes] = []
    for level, index, width in tiles_of(size):
        if level == 0:
            out += parse_entries((directory / tile_path("entries", index, width)).read_bytes())[0]
    return out


def repack(
    directory: Path, records: Sequence[bytes], columns: Sequence[bytes] | None = None
) -> None:
    """Replaces the export's entry bundles (and columns lines, if given) by these, packed
    256 to a bundle as a writer would; the tiles and the checkpoint stay."""
    shutil.rmtree(directory / "tile" / "entries")
    for start in range(0, len(records), WIDTH):
        chunk = records[start : start + WIDTH]
        path = directory / tile_path("entries", start // WIDTH, len(chunk))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(len(r).to_bytes(2, "big") + r for r in chunk))
    if columns is not None:
        (directory / "columns.ndjson").write_bytes(b"".join(line + b"\n" for line in columns))


def column_lines(directory: Path) -> list[bytes]:
    return (directory / "columns.ndjson").read_bytes().splitlines()


def members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


Line = tuple[bytes, bytes, bytes]  # a record, its proof line, its columns line


def edit_lines(bundle: bytes, edit: Callable[[list[Line]], list[Line]]) -> bytes:
    """The bundle with its records (and their proofs and columns) edited together."""
    files = members(bundle)
    names = ("records.ndjson", "proofs.ndjson", "columns.ndjson")
    rows = list(zip(*(files[n].splitlines() for n in names), strict=True))
    edited = edit(rows)
    for i, name in enumerate(names):
        files[name] = b"".join(row[i] + b"\n" for row in edited)
    return rezip(files)
