"""The event store: the sequencer's reads and writes on the ``events`` table."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from contracts.envelope import Envelope
from ledger.record import Link
from ledger.sequencer import Batch, Head, Row, Stored, sequence

_INSERT = """
INSERT INTO events (position, event_id, incident_id, version, type, source, occurred_at,
                    recorded_at, record, hash, prev_position, prev_hash)
SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[],
                     $7::timestamptz[], $8::timestamptz[], $9::bytea[], $10::bytea[],
                     $11::bigint[], $12::bytea[])
"""

_HEADS = """
SELECT DISTINCT ON (incident_id) incident_id, version, position, hash
FROM events WHERE incident_id = any($1::text[])
ORDER BY incident_id, version DESC
"""

_STORED = """
SELECT event_id, incident_id, version, position, hash, record
FROM events WHERE event_id = any($1::uuid[])
"""


async def _inputs(
    conn: asyncpg.Connection, envelopes: list[Envelope]
) -> tuple[dict[UUID, Stored], dict[str, Head], int]:
    ids = list({e.event_id for e in envelopes})
    incidents = list({e.incident_id for e in envelopes})
    stored = {
        r["event_id"]: Stored(r["incident_id"], r["version"], r["position"], r["hash"], r["record"])
        for r in await conn.fetch(_STORED, ids)
    }
    heads = {
        r["incident_id"]: Head(r["version"], Link(r["position"], r["hash"]))
        for r in await conn.fetch(_HEADS, incidents)
    }
    last = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
    return stored, heads, int(last) + 1


async def _insert(conn: asyncpg.Connection, rows: list[Row]) -> None:
    columns = [
        [getattr(row, name) for row in rows]
        for name in (
            "position",
            "event_id",
            "incident_id",
            "version",
            "type",
            "source",
            "occurred_at",
            "recorded_at",
            "record",
            "hash",
            "prev_position",
            "prev_hash",
        )
    ]
    await conn.execute(_INSERT, *columns)


async def append(conn: asyncpg.Connection, envelopes: list[Envelope], *, origin: str) -> Batch:
    """Sequence and record ``envelopes`` in one transaction; outcomes in input order."""
    async with conn.transaction():
        stored, heads, next_position = await _inputs(conn, envelopes)
        batch = sequence(
            envelopes,
            stored=stored,
            heads=heads,
            next_position=next_position,
            recorded_at=datetime.now(UTC),
            origin=origin,
        )
        if batch.rows:
            await _insert(conn, batch.rows)
    return batch


_TIMELINE = """
SELECT position, version, type, source, occurred_at, recorded_at, record, hash, prev_hash
FROM events WHERE incident_id = $1 ORDER BY version
"""


async def timeline(conn: asyncpg.Connection, incident_id: str) -> list[asyncpg.Record]:
    return list(await conn.fetch(_TIMELINE, incident_id))
