"""Tail ``events`` by position and fold into the read models, exactly once.

Each batch's read-model rows and the checkpoint are written in one transaction, so a crash
can neither skip nor repeat an event. Positions are gapless and commit-ordered (the
ledger's DDL guarantees it), so "everything after my checkpoint" never misses a row.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import msgspec
import structlog

from projector.status import Fact, IncidentStatus, evolve

NAME = "incident_status"
log = structlog.get_logger("projector")
_decoder = msgspec.json.Decoder(dict[str, Any])

_BATCH = """
SELECT position, incident_id, version, type, occurred_at, recorded_at, record
FROM events WHERE position > $1 ORDER BY position LIMIT $2
"""
_LOAD = "SELECT * FROM incident_status WHERE incident_id = any($1::text[])"
_UPSERT = """
INSERT INTO incident_status (incident_id, status, kind, title, version, last_position,
                             last_type, reported_at, updated_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[],
                     $7::text[], $8::timestamptz[], $9::timestamptz[])
ON CONFLICT (incident_id) DO UPDATE SET status = excluded.status, kind = excluded.kind,
  title = excluded.title, version = excluded.version, last_position = excluded.last_position,
  last_type = excluded.last_type, reported_at = excluded.reported_at,
  updated_at = excluded.updated_at
"""
_CHECKPOINT = """
INSERT INTO projection_checkpoints (projection, position) VALUES ($1, $2)
ON CONFLICT (projection) DO UPDATE SET position = excluded.position, updated_at = now()
"""


def _fact(row: asyncpg.Record) -> Fact:
    event = _decoder.decode(row["record"])["event"]
    return Fact(
        row["incident_id"],
        row["position"],
        row["version"],
        row["type"],
        row["occurred_at"],
        row["recorded_at"],
        event.get("payload", {}),
    )


async def _checkpoint(conn: asyncpg.Connection) -> int:
    value = await conn.fetchval(
        "SELECT position FROM projection_checkpoints WHERE projection = $1", NAME
    )
    return int(value or 0)


async def _save(conn: asyncpg.Connection, states: list[IncidentStatus], position: int) -> None:
    fields = (
        "incident_id",
        "status",
        "kind",
        "title",
        "version",
        "last_position",
        "last_type",
        "reported_at",
        "updated_at",
    )
    await conn.execute(_UPSERT, *[[getattr(s, f) for s in states] for f in fields])
    await conn.execute(_CHECKPOINT, NAME, position)


async def step(conn: asyncpg.Connection, limit: int = 5000) -> int:
    """Fold the next batch; return how many events it held."""
    async with conn.transaction():
        position = await _checkpoint(conn)
        rows = await conn.fetch(_BATCH, position, limit)
        if not rows:
            return 0
        ids = list({r["incident_id"] for r in rows})
        states = {
            r["incident_id"]: msgspec.convert(dict(r), IncidentStatus)
            for r in await conn.fetch(_LOAD, ids)
        }
        for row in rows:
            states[row["incident_id"]] = evolve(states.get(row["incident_id"]), _fact(row))
        await _save(conn, list(states.values()), rows[-1]["position"])
        return len(rows)


async def run(pool: asyncpg.Pool, stop: asyncio.Event, idle: float = 0.1) -> None:
    log.info("projector started", projection=NAME)
    while not stop.is_set():
        try:
            async with pool.acquire() as conn:
                done = await step(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.error("projection step failed; retrying", error=str(exc))
            done = 0
        if not done:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), idle)
