"""The bulk of a rebuild on several cores: one process per partition of the incidents.

Every read model row belongs to one incident and is a pure function of that incident's
events, so partitions by incident never touch the same rows. Each worker scans the log in
position order, keeps the incidents that hash into its partition and moves a checkpoint of
its own (``…/p<k>of<n>``), so a crash resumes each partition where it stopped. When all
are done, the generation's own checkpoint starts at the lowest of theirs: an incident
folded again from there comes out the same, since a step that meets an incident it has
not folded reads all of that incident's earlier events.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import sys
from collections.abc import Sequence
from multiprocessing.process import BaseProcess

import asyncpg
import msgspec

from plumbing.tuning import tune_gc
from projector.domain.models import Config
from projector.follow import folding, tables
from projector.follow import model_rows as store
from projector.follow.model_rows import Progress

PARALLEL_FROM = 50_000
"""Fewer events than this to fold: starting processes would cost more than it saves."""


class Workers(msgspec.Struct, frozen=True):
    database_url: str
    count: int


class WorkerFailed(RuntimeError):
    pass


def _prefix(generation: int) -> str:
    return tables.checkpoint_name(generation) + "/p"


async def _positions(conn: asyncpg.Connection, generation: int) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT projection, position FROM projection_checkpoints WHERE starts_with(projection, $1)",
        _prefix(generation),
    )
    return {r["projection"]: int(r["position"]) for r in rows}


async def pending(conn: asyncpg.Connection, generation: int) -> bool:
    """Whether a parallel bulk of ``generation`` was started and not finished."""
    return bool(await _positions(conn, generation))


async def forget(conn: asyncpg.Connection, generation: int) -> None:
    await conn.execute(
        "DELETE FROM projection_checkpoints WHERE starts_with(projection, $1)", _prefix(generation)
    )


async def _plan(conn: asyncpg.Connection, generation: int, count: int) -> list[str]:
    """The partitions' checkpoints: kept when resuming with the same count, else all set
    to the lowest point any earlier attempt (or the generation itself) had reached."""
    names = [tables.checkpoint_name(generation, (k, count)) for k in range(count)]
    found = await _positions(conn, generation)
    if set(found) != set(names):
        own = await store.checkpoint(conn, tables.checkpoint_name(generation))
        start = min([own, *found.values()]) if found else own
        await forget(conn, generation)
        for name in names:
            await store.set_checkpoint(conn, name, start)
    return names


def _work(url: str, generation: int, config: Config, partition: tuple[int, int]) -> None:
    if sys.platform.startswith("linux"):  # no orphans when the rebuild is killed
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    tune_gc()

    async def main() -> None:
        conn = await asyncpg.connect(url)
        try:
            cache = folding.FoldCache()
            await cache.profiles.load(conn)  # all of them, up front: they are few
            while await folding.step(conn, generation, config, cache=cache, partition=partition):
                pass
        finally:
            await conn.close()

    asyncio.run(main())


async def bulk(
    conn: asyncpg.Connection,
    generation: int,
    config: Config,
    workers: Workers,
    progress: Progress | None = None,
) -> None:
    """Fold everything recorded so far into ``generation`` with ``workers.count``
    processes; afterwards the generation's checkpoint is where all of them reached."""
    names = await _plan(conn, generation, workers.count)
    total, _ = await store.head(conn)
    context = multiprocessing.get_context("spawn")
    procs = [
        context.Process(
            target=_work,
            args=(workers.database_url, generation, config, (k, workers.count)),
            daemon=True,
        )
        for k in range(workers.count)
    ]
    for proc in procs:
        proc.start()
    try:
        await _watch(conn, generation, procs, total, progress)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.kill()
            proc.join()
    positions = await _positions(conn, generation)
    async with conn.transaction():
        low = min(positions[name] for name in names)
        await store.set_checkpoint(conn, tables.checkpoint_name(generation), low)
        await forget(conn, generation)


async def _watch(
    conn: asyncpg.Connection,
    generation: int,
    procs: Sequence[BaseProcess],
    total: int,
    progress: Progress | None,
) -> None:
    while any(proc.is_alive() for proc in procs):
        await asyncio.sleep(0.5)
        if progress is not None and (positions := await _positions(conn, generation)):
            done = min(positions.values())
            progress(done, max(total, done))
    failed = [proc.exitcode for proc in procs if proc.exitcode != 0]
    if failed:
        raise WorkerFailed(f"a rebuild worker stopped with exit code {failed[0]}")
