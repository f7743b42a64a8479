"""Checks and waits before a service starts: the HTTP port free, PostgreSQL answering,
all bounded (``LEDGER_START_TIMEOUT``) and each failure one ``SettingsError`` naming the
variable to fix, which the command line prints as one line and exits 2."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import structlog
from alembic.util import CommandError

from plumbing import db
from plumbing.datadir import DataDirLock
from plumbing.settings import HttpSettings, Settings, SettingsError

T = TypeVar("T")
log = structlog.get_logger(__name__)
# Answers that waiting does not change: a wrong password, user or database name.
_REFUSED = (
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidCatalogNameError,
)


def check_port(http: HttpSettings) -> None:
    """Bind the API's address once, as uvicorn will: in use, or no such local address,
    stops the start before any server is started."""
    try:
        infos = socket.getaddrinfo(http.host, http.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SettingsError(f"LEDGER_HTTP_HOST: {http.host!r} does not resolve ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SettingsError(
                    f"LEDGER_HTTP_PORT: {http.host}:{http.port} is in use; stop what listens"
                    " there or choose another port"
                ) from None
            raise SettingsError(
                f"LEDGER_HTTP_HOST: cannot listen on {http.host}:{http.port} ({exc.strerror})"
            ) from None


def check_up(settings: Settings, cluster: bool) -> None:
    """``ledger up``'s data directory not held by another (``DataDirInUse`` names the
    holder, which would also hold the port) and its HTTP port free: before any server
    starts. Only a directory that was used has a lock file to ask."""
    directory = settings.stack.data_dir / "cluster" if cluster else settings.stack.data_dir
    if (directory / "ledger.lock").exists():
        lock = DataDirLock(directory)
        lock.acquire()
        lock.release()
    check_port(settings.http)


def where(url: str) -> str:
    """``host:port`` of a URL: what an error may show of it (never the password)."""
    parts = urlsplit(url.split(",")[0].strip())
    return f"{parts.hostname or 'localhost'}:{parts.port or ''}".rstrip(":")


async def wait_database(url: str, within: float, variable: str = "LEDGER_DATABASE_URL") -> None:
    """Until PostgreSQL at ``url`` accepts a connection; ``SettingsError`` after
    ``within`` seconds, or at once when it refuses the credentials or database."""
    deadline, waited = time.monotonic() + within, False
    while True:
        left = deadline - time.monotonic()
        try:
            conn = await asyncpg.connect(url, timeout=max(min(left, 5.0), 0.1))
        except _REFUSED as exc:
            raise SettingsError(f"{variable}: PostgreSQL at {where(url)} refused: {exc}") from None
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if time.monotonic() + 0.5 > deadline:
                raise SettingsError(
                    f"{variable}: no PostgreSQL answered at {where(url)} within {within:g} s"
                    f" ({_reason(exc)}); LEDGER_START_TIMEOUT sets the wait"
                ) from None
            if not waited:
                log.warning("waiting for PostgreSQL", at=where(url), up_to=within)
                waited = True
            await asyncio.sleep(0.5)
            continue
        await conn.close()
        return


async def schema(url: str, variable: str = "LEDGER_DATABASE_URL") -> None:
    """The schema at this code's head: one query when it is (every start but a deploy's),
    the migrations when it is behind. A service never writes with an older schema than
    it expects; one the code does not know (a newer ledger's) stops the start."""
    conn = await asyncpg.connect(url)
    try:
        current = await db.current_revision(conn)
    finally:
        await conn.close()
    if current == db.head_revision():
        return
    try:
        await db.migrate(url)
    except CommandError as exc:
        raise SettingsError(
            f"{variable}: the database is at schema revision {current}, which this ledger"
            f" does not know (its newest is {db.head_revision()}): {exc}"
        ) from None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


async def unless(stop: asyncio.Event, work: Coroutine[Any, Any, T]) -> tuple[T] | None:
    """``(work's result,)``, or None when ``stop`` is set first (``work`` is cancelled):
    a signal stops a start that waits for servers, whatever it waits on."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return None if task.cancelled() else (task.result(),)
