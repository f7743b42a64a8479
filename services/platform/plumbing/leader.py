"""Leadership of the sequencer: one PostgreSQL session-level advisory lock.

Why one writer: positions are assigned by the writer and must become visible in commit
order, so that a reader tailing ``events`` by position can never pass a row that commits
later. The known alternatives fail in ways an audit trail cannot accept: ``LOCK TABLE``
per transaction serialises every writer anyway, at a higher price; reader-side gap
timeouts skip slow commits forever; ``xid8`` horizons stall all readers behind any long
transaction and leave positions non-contiguous (see shared/reference/event-stores.md §3).
The DDL (``events_gapless``) refuses anything else, so even a writer that lost its lock
without noticing cannot break the order: its next append fails.

The lock lives on the writer's own connection, and appends go through that connection
and, for large batches, a second lane opened beside it (``ledger.store.lanes``): if the lead's
connection dies, PostgreSQL drops the lock, and the writer stops at its next use of it.
A batch the second lane sends in between can only follow what is committed (the DDL above,
and the Merkle head's fence), whoever leads by then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from plumbing import transient

LOCK_KEY = 7301746716318023681  # distinct from the append lock in events_gapless
log = structlog.get_logger(__name__)


async def _connect(url: str, failure: str) -> asyncpg.Connection | None:
    """A connection, or None (``failure`` logged) if the database cannot be reached now."""
    try:
        return await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        log.warning(failure, error=str(exc))
        return None


async def _try(url: str, key: int) -> asyncpg.Connection | None:
    conn = await _connect(url, "database unreachable; retrying")
    if conn is None:
        return None
    if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
        return conn
    await conn.close()
    return None


async def acquire(
    url: str,
    stop: asyncio.Event,
    interval: float = 1.0,
    key: int = LOCK_KEY,
    role: str = "sequencer",
) -> asyncpg.Connection | None:
    """Wait until this process leads (returns the lock-holding connection) or ``stop``."""
    standby_logged = False
    while not stop.is_set():
        conn = await _try(url, key)
        if conn is not None:
            log.info(f"leading the {role}")
            return conn
        if not standby_logged:
            log.info(f"standing by: another {role} leads")
            standby_logged = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    return None


async def second_lane(url: str) -> asyncpg.Connection | None:
    """A second connection for the leader's writer (``ledger.store.lanes``); None if there is
    none to be had now: the writer then appends through the lead's connection alone."""
    return await _connect(url, "no second connection for the writer; writing through one")


async def watch(
    ping: Callable[[], Awaitable[object]], lost: asyncio.Event, interval: float = 1.0
) -> None:
    """Set ``lost`` when the leader's connection stops answering ``ping``."""
    while not lost.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lost.wait(), interval)
        if lost.is_set():
            return
        try:
            await asyncio.wait_for(ping(), interval * 5)
        except transient.DATABASE as exc:
            log.error("leadership lost", error=str(exc) or type(exc).__name__)
            lost.set()
