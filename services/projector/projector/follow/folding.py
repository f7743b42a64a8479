"""One step of the projector's fold: the next batch of ``events`` into a generation of the
read models, with the cache of recently folded incidents that spares re-reading them.

Both the live runner and each parallel rebuild worker take steps; neither imports the other
for it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import asyncpg
from cachetools import LRUCache

from contracts.events.privacy import PRIVACY_STREAM
from contracts.profile_rules import STREAM_PREFIX, is_profile_stream
from plumbing import caching
from projector import projector_metrics as metrics
from projector.domain.facts import from_record
from projector.domain.models import Config, Folded, Models, fold_more, models_of, placed
from projector.follow import model_rows as store
from projector.follow import model_writes, tables
from projector.follow.profile_follow import Profiles

BATCH = 2000
# Facts the fold cache holds at most (about 1 KB each): it bounds the projector's memory.
CACHED_FACTS = 100_000


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
        self.profiles = Profiles()  # every profile event up to profiles.known

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
        self.profiles = Profiles()

    def keep(self, folded: dict[str, Folded]) -> None:
        for incident, state in folded.items():
            caching.keep(self._folded, incident, state)


def is_incident_stream(incident_id: str) -> bool:
    return not is_profile_stream(incident_id) and incident_id != PRIVACY_STREAM


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
        if is_incident_stream(row["incident_id"]):  # profiles and erasures are never incidents
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


_PLACED = """
SELECT incident_id FROM rm_status_g{g} WHERE organisation_id = any($1::text[])
  AND ($2::int IS NULL OR (hashtext(incident_id) & 2147483647) % $3 = $2)
"""


async def _rejudged(
    conn: asyncpg.Connection,
    config: Config,
    where: tuple[int, store.Partition | None],
    changed: set[str],
    folded: dict[str, Folded],
    upto: int,
) -> dict[str, Folded]:
    """The incidents (of the partition) already placed at an organisation whose profile
    changed, folded again: their status says the profile changed since their basis
    (``profile_changed_at``), and their ``basis = "latest"`` packs are judged anew."""
    if not changed:
        return {}
    generation, partition = where
    k, n = partition if partition is not None else (None, 1)
    placed = await conn.fetch(_PLACED.format(g=generation), sorted(changed), k, n)
    again = [r["incident_id"] for r in placed if r["incident_id"] not in folded]
    if not again:
        return {}
    found = await store.facts_of(conn, again, upto)
    return {incident: fold_more(None, facts, config) for incident, facts in found.items()}


async def _profiles(
    conn: asyncpg.Connection,
    follow: Profiles,
    rows: list[asyncpg.Record],
    span: tuple[int, int],
    partition: store.Partition | None,
) -> None:
    """``follow`` advanced to the batch's end: from the batch itself when it holds every
    event of its span, else read from the log."""
    after, upto = span
    if partition is None and follow.known == after:
        follow.take(
            from_record(r["position"], r["version"], r["recorded_at"], r["record"])
            for r in rows
            if is_profile_stream(r["incident_id"])
        )
        follow.known = upto
        return
    await follow.advance(conn, upto)


async def _judged(
    conn: asyncpg.Connection,
    where: tuple[int, store.Partition | None],
    rows: list[asyncpg.Record],
    span: tuple[int, int],
    config: Config,
    cache: FoldCache,
) -> tuple[dict[str, Folded], dict[str, Models], tuple[list[Any], list[Any]]]:
    """The batch's incidents folded and judged on the profiles up to its end, and the
    rows of the organisations whose profile streams it holds."""
    after, upto = span
    await _profiles(conn, cache.profiles, rows, span, where[1])
    folded = await _fold(conn, rows, upto, config, cache) if rows else {}
    changed = cache.profiles.changed(after, upto)
    folded |= await _rejudged(conn, config, where, changed, folded, upto)
    now, registry = datetime.now(UTC), cache.profiles.registry
    folded = {i: placed(f, registry) for i, f in folded.items()}  # kept with its basis
    models = {
        i: models_of(f, now=now, config=config, registry=registry, read=upto)
        for i, f in folded.items()
    }
    touched = {r["incident_id"].removeprefix(STREAM_PREFIX) for r in rows
               if is_profile_stream(r["incident_id"])}  # fmt: skip
    return folded, models, cache.profiles.rows(sorted(touched), upto)


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
        where, span = (generation, partition), (after, upto)
        folded, models, profile_rows = await _judged(conn, where, rows, span, config, cache)
        if await model_writes.save(conn, generation, (name, after, upto), models, profile_rows):
            break
        cache.checkpoint = None  # moved under us: read it again, and the events after it
    cache.checkpoint = upto
    cache.keep(folded)
    metrics.PROJECTED.inc(len(rows))
    return upto - after
