"""Worker processes for ``ledger verify``: each holds one connection inside the snapshot the
verifying transaction exported, so that every stretch is read from the same instant of
the log, and checks the stretches it is handed (``stretches.check_range``).

Processes, not threads: the checks are CPU work under the GIL (``plumbing.workers``).
"""

from __future__ import annotations

import asyncio
import atexit
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import NamedTuple

import asyncpg

from ledger.audit import stretches
from ledger.audit.stretches import Stretch
from plumbing.workers import pool as workers_pool

_SNAPSHOT = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")


class _Worker(NamedTuple):
    loop: asyncio.AbstractEventLoop
    conn: asyncpg.Connection


_worker: list[_Worker] = []  # this worker process's loop and connection, once started


async def _open(url: str, snapshot: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    await conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # validated: no parameters here
    return conn


def _start(url: str, snapshot: str) -> None:
    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(_open(url, snapshot))
    _worker.append(_Worker(loop, conn))
    atexit.register(lambda: loop.run_until_complete(conn.close()))


def _check(start: int, end: int, signed: frozenset[int]) -> Stretch:
    loop, conn = _worker[0]
    return loop.run_until_complete(stretches.check_range(conn, start, end, signed))


def spans(total: int, height: int) -> Iterator[tuple[int, int]]:
    """Positions 1…``total`` as stretches of 2**height records (the last one shorter)."""
    for start in range(1, total + 1, 1 << height):
        yield start, min(start + (1 << height) - 1, total)


async def check_in_workers(
    url: str,
    snapshot: str,
    total: int,
    signed: frozenset[int],
    workers: int,
    progress: Callable[[int, int], None],
    height: int = stretches.HEIGHT,
) -> list[Stretch]:
    """Positions 1…``total`` checked by ``workers`` processes, the stretches in order."""
    if not _SNAPSHOT.fullmatch(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    with workers_pool(workers, _start, (url, snapshot)) as pool:
        futures: list[Future[Stretch]] = [
            pool.submit(_check, start, end, signed) for start, end in spans(total, height)
        ]
        done = []
        for future in futures:
            done.append(await asyncio.wrap_future(future))
            progress(done[-1].start - 1 + done[-1].tree.size, total)
    return done
