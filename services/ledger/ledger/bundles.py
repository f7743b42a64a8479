"""What an incident bundle and a full export hold, read from the database: the records as
stored, the indexed columns beside them (so a verifier can hold each against its record),
the latest checkpoint and the proofs that lead to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
from ledger_verify import note

from contracts import canonical
from ledger import proofs

COLUMNS = (
    "position, event_id, incident_id, version, type, source, occurred_at, recorded_at,"
    " record, hash, prev_position, prev_hash"
)


def columns(row: asyncpg.Record) -> dict[str, Any]:
    """The indexed columns as the spec writes them (hex hashes, canonical timestamps)."""
    prev_hash = row["prev_hash"]
    return {
        "position": row["position"],
        "event_id": str(row["event_id"]),
        "incident_id": row["incident_id"],
        "version": row["version"],
        "type": row["type"],
        "source": row["source"],
        "occurred_at": canonical.timestamp(row["occurred_at"]),
        "recorded_at": canonical.timestamp(row["recorded_at"]),
        "hash": bytes(row["hash"]).hex(),
        "prev_position": row["prev_position"],
        "prev_hash": None if prev_hash is None else bytes(prev_hash).hex(),
    }


class NotSignedYet(LookupError):
    """No checkpoint covers what was asked for yet."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    note: str


async def latest(conn: asyncpg.Connection) -> Checkpoint:
    row = await conn.fetchrow("SELECT size, root, note FROM checkpoints ORDER BY id DESC LIMIT 1")
    if row is None:
        raise NotSignedYet("no checkpoint has been signed yet")
    origin = row["note"].split("\n", 1)[0]
    return Checkpoint(origin, int(row["size"]), bytes(row["root"]), str(row["note"]))


@dataclass(frozen=True)
class Gathered:
    checkpoint: Checkpoint
    rows: list[asyncpg.Record]
    proofs: list[list[bytes]]
    consistency: tuple[int, int, list[bytes]] | None


async def gather(conn: asyncpg.Connection, incident_id: str, since: int | None) -> Gathered:
    """The incident's records up to the latest checkpoint, with their inclusion proofs and,
    when ``since`` is given, a consistency proof from that size."""
    signed = await latest(conn)
    rows = await conn.fetch(
        f"SELECT {COLUMNS} FROM events WHERE incident_id = $1 AND position <= $2 ORDER BY position",
        incident_id,
        signed.size,
    )
    if not rows:
        return Gathered(signed, [], [], None)
    paths = await proofs.inclusions(conn, [r["position"] for r in rows], signed.size)
    consistency = None
    if since is not None and since < signed.size:
        _, _, path = await proofs.consistency(conn, since, signed.size)
        consistency = (since, signed.size, path)
    return Gathered(signed, list(rows), paths, consistency)


def claim_text(signed: Checkpoint, incident_id: str, rows: list[asyncpg.Record]) -> str:
    """The completeness claim: the incident had exactly these records in the signed tree."""
    last = rows[-1]
    return note_text(
        signed.origin, incident_id, len(rows), signed.size, signed.root,
        int(last["position"]), bytes(last["hash"]),
    )  # fmt: skip


def note_text(
    origin: str, incident: str, k: int, size: int, root: bytes, position: int, digest: bytes
) -> str:
    root64 = note.checkpoint_body(origin, size, root).split("\n")[2]
    return (
        f"{origin}\nincident-completeness\nincident {incident}\nevents {k}\nsize {size}\n"
        f"root {root64}\nlast {position} {digest.hex()}\n"
    )
