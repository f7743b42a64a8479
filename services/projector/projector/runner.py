"""Tail ``events`` by position and keep the read models current, exactly once.

Each batch's model rows and its checkpoint are written in one transaction, so a crash can
neither skip nor repeat an event; positions are gapless and commit-ordered (the ledger's
DDL guarantees it), so "everything after my checkpoint" never misses a row. NOTIFY from
the ledger wakes the loop; polling covers notifications lost while disconnected.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime

import asyncpg
import structlog
from cachetools import LRUCache

from projector import caching, metrics, parallel, store, tables
from projector.facts import from_record
from projector.models import Config, Folded, fold_more, models_of

# Bump when a model's definition changes: the projector then builds a new generation
# beside the live one and swaps it in once caught up.
VERSION = 3  # 2: incident_status carries the reported description; 3: claims
BATCH = 2000
# Facts the fold cache holds at most (about 1 KB each): it bounds the projector's memory.
CACHED_FACTS = 100_000
log = structlog.get_logger("projector")
Progress = store.Progress


class FoldCache:
    """Recently folded incidents, so a batch folds only an incident's new events. An entry
    is used only when the incident's first new event links back to exactly the position
    it was folded to (``events.prev_position``); anything else reads the incident again.

    A folded incident keeps its facts (the deadline rules look them up), about 1 KB each,
    so the cache is bounded by facts held, not incidents: least recently used go first.
    """

    def __init__(self, facts: int = CACHED_FACTS) -> None:
        self._folded = LRUCache[str, Folded](facts, _weight)
        self.checkpoint: int | None = None  # as last written by this cache's steps

    @property
    def held(self) -> int:
        """Facts held, in all."""
        return int(self._folded.currsize)

    def usable(self, incident: str, prev_position: int | None) -> Folded | None:
        folded = self._folded.get(incident)
        return folded if folded is not None and folded.position == prev_position else None

    def clear(self) -> None:
        self._folded.clear()
        self.checkpoint = None

    def keep(self, folded: dict[str, Folded]) -> None:
        for incident, state in folded.items():
            caching.keep(self._folded, incident, state)


def _weight(folded: Folded) -> int:
    return len(folded.deadlines.facts) + 1


async def _fold(
    conn: asyncpg.Connection,
    rows: list[asyncpg.Record],
    upto: int,
    config: Config,
    cache: FoldCache,
) -> dict[str, Folded]:
    by_incident: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for row in rows:
        by_incident[row["incident_id"]].append(row)
    folded, stale = {}, []
    for incident, own in by_incident.items():
        start = own[0]["prev_position"]
        base = cache.usable(incident, start)
        if base is None and start is not None:
            stale.append(incident)
            continue
        facts = [
            from_record(r["position"], r["version"], r["recorded_at"], r["record"]) for r in own
        ]
        folded[incident] = fold_more(base, facts, config)
    if stale:
        for incident, facts in (await store.facts_of(conn, stale, upto)).items():
            folded[incident] = fold_more(None, facts, config)
    return folded


async def step(
    conn: asyncpg.Connection,
    generation: int,
    config: Config,
    limit: int = BATCH,
    cache: FoldCache | None = None,
    partition: store.Partition | None = None,
) -> int:
    """Fold the next batch into ``generation`` (only ``partition``'s incidents, if given);
    return how many positions it covered (0: caught up).

    Two round trips: read the batch, then one statement writes the models and moves the
    checkpoint, guarded by the checkpoint the batch was read after."""
    name = tables.checkpoint_name(generation, partition)
    cache = cache if cache is not None else FoldCache(0)
    while True:
        after = cache.checkpoint
        if after is None:
            after = await store.checkpoint(conn, name)
        rows, upto = await store.batch(conn, after, limit, partition)
        if upto == after:
            stored = await store.checkpoint(conn, name)
            if stored == after:  # truly caught up, not misled by a rolled-back step
                cache.checkpoint = after
                return 0
            cache.checkpoint = None
            continue
        folded = await _fold(conn, rows, upto, config, cache) if rows else {}
        now = datetime.now(UTC)
        models = {i: models_of(f, now=now, config=config) for i, f in folded.items()}
        if await store.save(conn, generation, (name, after, upto), models):
            break
        cache.checkpoint = None  # moved under us: read it again, and the events after it
    cache.checkpoint = upto
    cache.keep(folded)
    metrics.PROJECTED.inc(len(rows))
    return upto - after


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
