"""The projector's reads and checkpoints: facts by incident, batches of events, the head.
The models' writes are in ``model_writes``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

import asyncpg
import msgspec

from projector.domain.facts import Fact, from_record

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


Progress = Callable[[int, int], None]  # (done, total)
Partition = tuple[int, int]
"""(k, n): the incidents whose id hashes to k modulo n; a parallel rebuild's share."""


_PARTITION = """
WITH h AS (SELECT coalesce(max(position), 0) AS head FROM events)
SELECT h.head, e.* FROM h LEFT JOIN LATERAL (
  SELECT position, incident_id, version, recorded_at, record, prev_position FROM events
  -- A bounded range of positions, then the partition's rows within it: an index range
  -- scan, whatever the planner guesses of the hash filter.
  WHERE position > $1 AND position <= $1 + $2
    AND (hashtext(incident_id) & 2147483647) % $4 = $3
  ORDER BY position) e ON true
"""


async def batch(
    conn: asyncpg.Connection, position: int, limit: int, partition: Partition | None = None
) -> tuple[list[asyncpg.Record], int]:
    """The next events (only ``partition``'s incidents, if given) and the position they
    cover up to: with a partition, other incidents' events in between are covered too."""
    if partition is None:
        rows = await batch_after(conn, position, limit)
        return rows, rows[-1]["position"] if rows else position
    found = await conn.fetch(_PARTITION, position, limit * partition[1], *partition)
    head = int(found[0]["head"])
    return [r for r in found if r["position"] is not None], min(
        head, position + limit * partition[1]
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
