"""Reads that write nothing go to a streaming replica while it answers. When it stops
answering they move to the primary, and back once it answers again: losing the replica
costs the primary some load, never an answer.

The watch asks the replica once a second; a read caught mid-failure answers 503 with
``Retry-After`` (``ledger.api.app``), and the next one goes to the primary.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import structlog
from litestar import Litestar
from litestar.datastructures import State

INTERVAL = 1.0  # seconds between checks; also each check's time limit
UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
log = structlog.get_logger("ledger.api")


class ReplicaWatch:
    def __init__(
        self, primary: asyncpg.Pool, replica: asyncpg.Pool, interval: float = INTERVAL
    ) -> None:
        self.primary, self.replica, self.interval = primary, replica, interval
        self.down: str | None = None  # why the replica was last found unusable

    async def _ask(self) -> None:
        async with self.replica.acquire(timeout=self.interval) as conn:
            await conn.fetchval("SELECT 1", timeout=self.interval)

    async def check(self, state: State) -> None:
        """Point ``state.read_pool`` at the replica if it answers, else at the primary."""
        try:
            await asyncio.wait_for(self._ask(), self.interval * 2)
        except UNREACHABLE as exc:
            if self.down is None:
                log.warning("replica unreachable; reads go to the primary", error=repr(exc))
            self.down, state.read_pool = f"{type(exc).__name__}: {exc}".strip(), self.primary
            return
        if self.down is not None:
            log.info("replica answers again; reads go to it")
        self.down, state.read_pool = None, self.replica

    async def run(self, state: State) -> None:
        while True:
            await self.check(state)
            await asyncio.sleep(self.interval)


@contextlib.asynccontextmanager
async def watching(app: Litestar) -> AsyncIterator[None]:
    """The app's lifespan: the watch runs while the app serves, if there is a replica."""
    watch: ReplicaWatch | None = app.state.replica_watch
    if watch is None:
        yield
        return
    task = asyncio.create_task(watch.run(app.state))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
