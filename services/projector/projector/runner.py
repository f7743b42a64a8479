"""Tail ``events`` by position and keep the read models current, exactly once.

Each batch's model rows and its checkpoint are written in one transaction, so a crash can
neither skip nor repeat an event; positions are gapless and commit-ordered (the ledger's
DDL guarantees it), so "everything after my checkpoint" never misses a row. NOTIFY from
the ledger wakes the loop; polling covers notifications lost while disconnected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
import structlog

from projector import metrics, store, tables
from projector.models import Config, Models, project

# Bump when a model's definition changes: the projector then builds a new generation
# beside the live one and swaps it in once caught up.
VERSION = 1
BATCH = 2000
log = structlog.get_logger("projector")
Progress = Callable[[int, int], None]  # (done, total)


async def step(
    conn: asyncpg.Connection, generation: int, config: Config, limit: int = BATCH
) -> int:
    """Fold the next batch into ``generation``; return how many events it held."""
    name = tables.checkpoint_name(generation)
    async with conn.transaction():
        rows = await store.batch_after(conn, await store.checkpoint(conn, name), limit)
        if not rows:
            return 0
        upto, now = rows[-1]["position"], datetime.now(UTC)
        incidents = list(dict.fromkeys(r["incident_id"] for r in rows))
        facts = await store.facts_of(conn, incidents, upto)
        models: dict[str, Models] = {
            i: project(facts[i], now=now, config=config) for i in incidents
        }
        await store.save(conn, generation, models)
        await store.set_checkpoint(conn, name, upto)
    metrics.PROJECTED.inc(len(rows))
    return len(rows)


async def catch_up(
    conn: asyncpg.Connection, generation: int, config: Config, progress: Progress | None = None
) -> int:
    total, _ = await store.head(conn)
    done = await store.checkpoint(conn, tables.checkpoint_name(generation))
    while (count := await step(conn, generation, config)) > 0:
        done += count
        if progress is not None:
            progress(done, max(total, done))
    return done


async def rebuild(
    conn: asyncpg.Connection,
    config: Config,
    progress: Progress | None = None,
    *,
    resume: bool = False,
) -> int:
    """Build a new generation from position 0 beside the live one, then swap it in.
    ``resume`` continues a build a crash interrupted instead of starting it over."""
    current = await tables.active(conn)
    generation = (current[0] if current else 0) + 1
    name = tables.checkpoint_name(generation)
    if not (resume and await store.checkpoint(conn, name)):
        await tables.drop(conn, generation)
        await store.set_checkpoint(conn, name, 0)
    await tables.create(conn, generation)
    started = time.perf_counter()
    done = await catch_up(conn, generation, config, progress)
    async with conn.transaction():
        await catch_up(conn, generation, config)  # what arrived meanwhile
        await tables.activate(conn, generation, VERSION)
        if current is not None:
            await tables.drop(conn, current[0])
    log.info(
        "rebuilt",
        generation=generation,
        events=done,
        seconds=round(time.perf_counter() - started, 1),
    )
    return generation


async def prepare(
    conn: asyncpg.Connection, config: Config, progress: Progress | None = None
) -> int:
    """The live generation, rebuilding first when none exists or the code version moved."""
    current = await tables.active(conn)
    if current is not None and current[1] == VERSION:
        return current[0]
    return await rebuild(conn, config, progress, resume=True)


async def lag(conn: asyncpg.Connection, generation: int) -> tuple[int, float]:
    """(positions, seconds) the read models trail the ledger by."""
    position = await store.checkpoint(conn, tables.checkpoint_name(generation))
    row = await conn.fetchrow(
        "SELECT (SELECT max(position) FROM events) AS head, recorded_at FROM events"
        " WHERE position = $1 + 1",
        position,
    )
    if row is None:
        return 0, 0.0
    behind = (datetime.now(UTC) - row["recorded_at"]).total_seconds()
    return int(row["head"]) - position, max(behind, 0.0)
