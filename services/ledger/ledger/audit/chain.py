"""Re-checking the recorded chain: a pure fold over rows in position order.

For each row: the position follows the last one; the version follows the incident's last;
the hash is SHA-256 of the record bytes; the link names the incident's previous row; and
every column equals what the record says. Returns the problems found, each naming the
position (empty when the chain is intact). The audit trail's Merkle verification builds
on the same row shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from contracts import canonical
from ledger.domain.record import digest

_decode = msgspec.json.Decoder(dict[str, Any]).decode


class ChainRow(msgspec.Struct, frozen=True):
    position: int
    incident_id: str
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    record: bytes
    hash: bytes
    prev_position: int | None
    prev_hash: bytes | None


class _Last(msgspec.Struct):
    position: int = 0
    heads: dict[str, tuple[int, int, bytes]] = msgspec.field(default_factory=dict)


def _columns(row: ChainRow, doc: dict[str, Any]) -> list[str]:
    event = doc.get("event", {})
    expected = {
        "position": doc.get("position"),
        "version": doc.get("version"),
        "incident_id": event.get("incident_id"),
        "type": event.get("type"),
        "occurred_at": event.get("occurred_at"),
        "recorded_at": doc.get("recorded_at"),
    }
    actual = {
        "position": row.position,
        "version": row.version,
        "incident_id": row.incident_id,
        "type": row.type,
        "occurred_at": canonical.timestamp(row.occurred_at),
        "recorded_at": canonical.timestamp(row.recorded_at),
    }
    return [f"column {k} differs from the record" for k in expected if expected[k] != actual[k]]


def _links(row: ChainRow, doc: dict[str, Any], last: _Last) -> list[str]:
    problems = []
    head = last.heads.get(row.incident_id)
    want_version, want_link = (head[0] + 1, (head[1], head[2].hex())) if head else (1, None)
    if row.version != want_version:
        problems.append(f"version {row.version} of {row.incident_id}, expected {want_version}")
    prev = doc.get("prev")
    got_link = None if prev is None else (prev.get("position"), prev.get("hash"))
    column_link = (
        None
        if row.prev_position is None or row.prev_hash is None
        else (row.prev_position, row.prev_hash.hex())
    )
    if got_link != want_link or column_link != want_link:
        problems.append(f"link to the previous event of {row.incident_id} is broken")
    return problems


def check(row: ChainRow, last: _Last) -> list[str]:
    problems = []
    if row.position != last.position + 1:
        problems.append(f"position follows {last.position}")
    if digest(row.record) != row.hash:
        problems.append("hash does not match the record bytes")
    try:
        doc = _decode(row.record)
    except msgspec.DecodeError:
        return [*problems, "record is not JSON"]
    if canonical.encode(doc) != row.record:
        problems.append("record bytes are not canonical")
    return problems + _columns(row, doc) + _links(row, doc, last)


def verify(rows: Iterable[ChainRow]) -> list[str]:
    last, problems = _Last(), []
    for row in rows:
        problems += [f"position {row.position}: {p}" for p in check(row, last)]
        last.position = row.position
        last.heads[row.incident_id] = (row.version, row.position, row.hash)
    return problems
