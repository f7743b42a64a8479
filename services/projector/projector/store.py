"""The projector's reads and writes: facts by incident, models by generation, checkpoints."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import asyncpg
import msgspec

from projector.facts import Fact, from_record
from projector.models import Models

_FACTS = """
SELECT incident_id, position, version, recorded_at, record FROM events
WHERE incident_id = any($1::text[]) AND position <= $2 ORDER BY position
"""
_encode = msgspec.json.Encoder().encode


async def facts_of(
    conn: asyncpg.Connection, incidents: list[str], upto: int
) -> dict[str, list[Fact]]:
    found: dict[str, list[Fact]] = defaultdict(list)
    for r in await conn.fetch(_FACTS, incidents, upto):
        found[r["incident_id"]].append(
            from_record(r["position"], r["version"], r["recorded_at"], r["record"])
        )
    return found


async def checkpoint(conn: asyncpg.Connection, name: str) -> int:
    value = await conn.fetchval(
        "SELECT position FROM projection_checkpoints WHERE projection = $1", name
    )
    return int(value or 0)


async def set_checkpoint(conn: asyncpg.Connection, name: str, position: int) -> None:
    await conn.execute(
        "INSERT INTO projection_checkpoints (projection, position) VALUES ($1, $2)"
        " ON CONFLICT (projection) DO UPDATE SET position = excluded.position,"
        " updated_at = now()",
        name,
        position,
    )


async def save(conn: asyncpg.Connection, generation: int, models: dict[str, Models]) -> None:
    ids = list(models)
    await conn.execute(
        f"""INSERT INTO rm_status_g{generation} (incident_id, last_position, status, kind, doc)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::jsonb[])
        ON CONFLICT (incident_id) DO UPDATE SET last_position = excluded.last_position,
          status = excluded.status, kind = excluded.kind, doc = excluded.doc""",
        ids,
        [m.status.last_position for m in models.values()],
        [m.status.status for m in models.values()],
        [None if m.status.kind is None else str(m.status.kind) for m in models.values()],
        [_encode(m.status).decode() for m in models.values()],
    )
    await conn.execute(
        f"""INSERT INTO rm_losses_g{generation} (incident_id, doc)
        SELECT * FROM unnest($1::text[], $2::jsonb[])
        ON CONFLICT (incident_id) DO UPDATE SET doc = excluded.doc""",
        ids,
        [_encode(m.losses).decode() for m in models.values()],
    )
    await _save_deadlines(conn, generation, models)


async def _save_deadlines(
    conn: asyncpg.Connection, generation: int, models: dict[str, Models]
) -> None:
    rows = [o for m in models.values() for o in m.obligations]
    await conn.execute(
        f"DELETE FROM rm_deadlines_g{generation} WHERE incident_id = any($1)", list(models)
    )
    await conn.executemany(
        f"""INSERT INTO rm_deadlines_g{generation} (incident_id, ref, pack_id, pack_version,
          rule, stage, state, anchor_at, due_at, lead_seconds, satisfied_at, doc)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)""",
        [
            (
                o.incident_id,
                o.ref,
                o.pack_id,
                str(o.pack_version),
                o.rule,
                o.stage,
                o.state,
                o.anchor_at,
                o.due_at,
                o.lead_time.total_seconds(),
                o.satisfied_at,
                _encode(o).decode(),
            )
            for o in rows
        ],
    )


async def batch_after(conn: asyncpg.Connection, position: int, limit: int) -> list[asyncpg.Record]:
    """The next events, each with its link to the incident's previous one."""
    return list(
        await conn.fetch(
            "SELECT position, incident_id, version, recorded_at, record, prev_position"
            " FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            position,
            limit,
        )
    )


async def head(conn: asyncpg.Connection) -> tuple[int, datetime | None]:
    row = await conn.fetchrow(
        "SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1"
    )
    return (0, None) if row is None else (row["position"], row["recorded_at"])
