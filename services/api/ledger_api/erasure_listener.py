"""Every erasure heard of by the API's cache of opened values (``ledger_api.opened_cache``):
a connection of its own LISTENs to ``subject_keys.ERASED_CHANNEL``, never a pooled one
(a pool's release may UNLISTEN, and listening is kept apart from requests). The cache is
used only while it listens; when its connection is lost, the cache is emptied and
bypassed until a new one listens again (an erasure meanwhile would go unheard)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

import asyncpg
import structlog
from litestar import Litestar

from ledger.store import subject_keys
from ledger_api.opened_cache import OpenedCache
from plumbing import background, transient

RETRY = 1.0  # seconds between attempts to listen again
CHECK = 2.0  # seconds between asking the connection to answer (a lost host says nothing)
NAME = "ledger-erasure-listener"  # its application_name, as pg_stat_activity shows it
log = structlog.get_logger(__name__)


class ErasureListener:
    def __init__(
        self, url: str, cache: OpenedCache, retry: float = RETRY, check: float = CHECK
    ) -> None:
        self.url, self.cache, self.retry, self.check = url, cache, retry, check

    async def run(self) -> None:
        """Listen, and listen again whenever the connection is lost, until cancelled (said
        once per outage, not at every attempt)."""
        said = False
        while True:
            try:
                await self._listen()
                said = False
                log.warning("erasure listener's connection lost; opened values not kept")
            except transient.DATABASE as exc:
                if not said or self.cache.listening:
                    log.warning("erasure listener not listening; opened values not kept",
                                error=type(exc).__name__)  # fmt: skip
                said = True
            except Exception:  # a listener that died silently would leave the cache off
                log.exception("erasure listener failed; opened values not kept")
            finally:
                self.cache.listen(False)
            await asyncio.sleep(self.retry)

    async def _listen(self) -> None:
        settings = {"application_name": NAME}
        conn = await asyncpg.connect(self.url, timeout=self.check, server_settings=settings)
        try:
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(subject_keys.ERASED_CHANNEL, self._heard)
            self.cache.listen(True)
            await self._until_lost(conn, lost)
        finally:
            conn.terminate()

    async def _until_lost(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), self.check)
            except TimeoutError:
                await conn.execute("SELECT 1", timeout=self.check)

    def _heard(self, _conn: object, _pid: int, _channel: str, subject: str) -> None:
        self.cache.erased(subject)


class Listened(Protocol):
    """The field of the app's state (``ledger_api.app_state.AppState``) read here."""

    erasure_listener: ErasureListener | None


@contextlib.asynccontextmanager
async def listening(app: Litestar) -> AsyncIterator[None]:
    """The app's lifespan: the listener runs while the app serves, if it has one."""
    state: Listened = app.state
    listener = state.erasure_listener
    if listener is None:
        yield
        return
    async with background.running(listener.run()):
        yield
