"""Reads that write nothing go to a streaming replica while it answers. When it stops
answering they move to the primary, and back once it answers again and has caught up
with where the primary stood a check earlier: losing the replica costs the primary some
load, never an answer, and its return does not send readers back in time.

The watch asks the replica once a second over a connection of its own (the pool's may
all be busy with requests); a read caught mid-failure answers 503 with ``Retry-After``
(``ledger_api.app``), and the next one goes to the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

import asyncpg
import structlog
from litestar import Litestar

from plumbing import background, transient

INTERVAL = 1.0  # seconds between checks; also each check's time limit
_HEAD = "SELECT coalesce(max(position), 0) FROM events"
log = structlog.get_logger(__name__)


class Watched(Protocol):
    """The fields of the app's state (``ledger_api.app_state.AppState``) the watch reads
    and moves, declared here: that module holds the watch, and importing it back would be
    a cycle. ``AppState`` has them with these types (mypy holds ``watching`` to it)."""

    read_pool: asyncpg.Pool
    replica_watch: ReplicaWatch | None


class ReplicaWatch:
    def __init__(
        self, primary: asyncpg.Pool, replica: asyncpg.Pool, url: str, interval: float = INTERVAL
    ) -> None:
        self.primary, self.replica, self.url, self.interval = primary, replica, url, interval
        self.down: str | None = None  # why the replica is not read from, if it is not
        self._conn: asyncpg.Connection | None = None
        self._primary_was = 0  # the primary's head at the previous check while down

    async def _replica_head(self) -> int:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self.url, timeout=self.interval)
        return int(await self._conn.fetchval(_HEAD, timeout=self.interval))

    async def check(self, state: Watched) -> None:
        """Point ``state.read_pool`` at the replica if it answers, else at the primary."""
        try:
            head = await asyncio.wait_for(self._replica_head(), self.interval * 2)
        except transient.DATABASE as exc:
            await self.close()
            self._mark_down(state, f"{type(exc).__name__}: {exc}".strip())
            return
        if self.down is not None and head < self._primary_was:
            self._mark_down(state, f"catching up: at position {head} of {self._primary_was}")
            return
        if self.down is not None:
            log.info("replica answers again; reads go to it", position=head)
        self.down, state.read_pool = None, self.replica

    def _mark_down(self, state: Watched, why: str) -> None:
        if self.down is None:
            log.warning("replica not usable; reads go to the primary", why=why)
        self.down, state.read_pool = why, self.primary

    async def _note_primary(self) -> None:
        if self.down is not None:
            self._primary_was = int(await self.primary.fetchval(_HEAD, timeout=self.interval))

    async def run(self, state: Watched) -> None:
        while True:
            try:
                await self.check(state)
                await self._note_primary()
            except Exception:  # a watch that dies silently would pin the pools as they are
                log.exception("replica watch failed; checking again")
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(*transient.DATABASE):
                await asyncio.wait_for(conn.close(), self.interval)


@contextlib.asynccontextmanager
async def watching(app: Litestar) -> AsyncIterator[None]:
    """The app's lifespan: the watch runs while the app serves, if there is a replica."""
    state: Watched = app.state
    watch = state.replica_watch
    if watch is None:
        yield
        return
    try:
        async with background.running(watch.run(state)):
            yield
    finally:
        await watch.close()
