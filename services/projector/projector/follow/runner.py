"""Tail ``events`` by position and keep the read models current, exactly once.

Each batch's model rows and its checkpoint are written in one transaction, so a crash can
neither skip nor repeat an event; positions are gapless and commit-ordered (the ledger's
DDL guarantees it), so "everything after my checkpoint" never misses a row. NOTIFY from
the ledger wakes the loop; polling covers notifications lost while disconnected.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import asyncpg
import structlog

from projector.domain.models import Config
from projector.follow import model_rows as store
from projector.follow import parallel, tables

# Re-exported: the runner is where readers look for a step of the fold.
from projector.follow.folding import FoldCache as FoldCache
from projector.follow.folding import step as step

# Bump when a model's definition changes: the projector then builds a new generation
# beside the live one and swaps it in once caught up.
# 2: incident_status carries the reported description; 3: claims; 4: organisations, sites
# and each incident's place and basis profile; 5: corrections applied
VERSION = 5
log = structlog.get_logger(__name__)
Progress = store.Progress


async def catch_up(
    conn: asyncpg.Connection, generation: int, config: Config, progress: Progress | None = None
) -> int:
    total, _ = await store.head(conn)
    done = await store.checkpoint(conn, tables.checkpoint_name(generation))
    cache = FoldCache()
    while (count := await step(conn, generation, config, cache=cache)) > 0:
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
    workers: parallel.Workers | None = None,
) -> int:
    """Build a new generation from position 0 beside the live one, then swap it in.
    ``resume`` continues a build a crash interrupted instead of starting it over;
    ``workers`` lets a large log be folded by several processes."""
    current = await tables.active(conn)
    generation = (current[0] if current else 0) + 1
    await _begin(conn, generation, resume)
    started = time.perf_counter()
    await _bulk(conn, generation, config, workers, progress)
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


async def _begin(conn: asyncpg.Connection, generation: int, resume: bool) -> None:
    name = tables.checkpoint_name(generation)
    begun = await store.checkpoint(conn, name) or await parallel.pending(conn, generation)
    if not (resume and begun):
        await tables.drop(conn, generation)
        await parallel.forget(conn, generation)
        await store.set_checkpoint(conn, name, 0)
    await tables.create(conn, generation)


async def _bulk(
    conn: asyncpg.Connection,
    generation: int,
    config: Config,
    workers: parallel.Workers | None,
    progress: Progress | None,
) -> None:
    if workers is None or workers.count < 2:
        return
    head, _ = await store.head(conn)
    behind = head - await store.checkpoint(conn, tables.checkpoint_name(generation))
    if behind >= parallel.PARALLEL_FROM or await parallel.pending(conn, generation):
        await parallel.bulk(conn, generation, config, workers, progress)


async def prepare(
    conn: asyncpg.Connection,
    config: Config,
    progress: Progress | None = None,
    *,
    workers: parallel.Workers | None = None,
) -> int:
    """The live generation, rebuilding first when none exists or the code version moved."""
    current = await tables.active(conn)
    if current is not None and current[1] == VERSION:
        return current[0]
    return await rebuild(conn, config, progress, resume=True, workers=workers)


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
