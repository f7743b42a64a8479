"""What an incident bundle and a full export hold, read from the database: the records as
stored, the indexed columns beside them (so a verifier can hold each against its record),
the latest checkpoint and the proofs that lead to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
from ledger_verify.records import COLUMNS

from ledger.audit import export_files as audit_files
from ledger.audit import tile_proofs as proofs

_UTC = """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS {0}"""
# The columns exactly as the verifier's spec writes them (in records.COLUMNS order),
# formatted by PostgreSQL, then the record.
SELECT = (
    "SELECT position, event_id::text AS event_id, incident_id, version, type, source, "
    f"{_UTC.format('occurred_at')}, {_UTC.format('recorded_at')}, "
    "encode(hash, 'hex') AS hash, prev_position, encode(prev_hash, 'hex') AS prev_hash, record "
    "FROM events"
)
# The next ``$2`` records after position ``$1``. One-sided on purpose: with a range on both
# sides, stale statistics (a bulk load not yet analysed) have the planner sort the whole
# rest of the log for every batch.
AFTER = SELECT + " WHERE position > $1 ORDER BY position LIMIT $2"


def columns(row: asyncpg.Record) -> dict[str, Any]:
    return dict(zip(COLUMNS, tuple(row)[:11], strict=True))


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
        SELECT + " WHERE incident_id = $1 AND position <= $2 ORDER BY position",
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
    return audit_files.completeness_text(
        signed.origin, incident_id, len(rows), signed.size, signed.root,
        int(last["position"]), bytes.fromhex(last["hash"]),
    )  # fmt: skip
