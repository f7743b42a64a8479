"""A service's NATS connection: the first connect bounded, every later loss retried for
ever, and what goes wrong logged without flooding.

nats-py retries a first connection as long as ``max_reconnect_attempts`` allows, which
for a service must be for ever (it has to outlive NATS restarts); so the wait for the
first is bounded here, and a refused login ends it at once: waiting does not change it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from urllib.parse import unquote, urlsplit

import nats.errors
import structlog
from nats.aio.client import Client

from plumbing.settings import SettingsError
from plumbing.startup import where

START_WAIT = 30.0  # seconds; services pass LEDGER_START_TIMEOUT
QUIET = 10.0  # seconds between repeats of a connection error in the log
log = structlog.get_logger(__name__)


class _Errors:
    """nats-py's error callback: the first of a run of errors logged, then one line every
    ``QUIET`` seconds with how many came meanwhile (a node lost retries twice a second).
    Until the first connection, errors are kept for the message that ends the wait."""

    def __init__(self) -> None:
        self.connected = False
        self.last: BaseException | None = None
        self.refused = asyncio.Event()
        self._logged_at, self._unlogged = -QUIET, 0

    async def seen(self, error: Exception) -> None:
        self.last = error
        if not self.connected and isinstance(error, nats.errors.AuthorizationError):
            self.refused.set()
        now = time.monotonic()
        if now - self._logged_at < QUIET:
            self._unlogged += 1
            return
        log.warning("nats connection error", error=repr(error), repeats=self._unlogged)
        self._logged_at, self._unlogged = now, 0


async def _reconnected() -> None:
    log.info("nats reconnected")


def _login(servers: list[str]) -> dict[str, str]:
    login = urlsplit(servers[0]) if servers else None
    if login is not None and login.username and login.password:
        return {"user": unquote(login.username), "password": unquote(login.password)}
    return {}


async def connect(
    url: str,
    name: str,
    *,
    within: float = START_WAIT,
    variable: str = "LEDGER_NATS_URL",
    **options: Any,
) -> Client:
    """A connection that reconnects for ever once made. ``url`` may list a cluster's
    servers, separated by commas; the client also learns the others from the servers it
    reaches, and logs in to those as the same user. No server within ``within`` seconds,
    or a refused login: ``SettingsError`` naming ``variable``."""
    servers = [server.strip() for server in url.split(",") if server.strip()]
    errors, nc = _Errors(), Client()
    settings: dict[str, Any] = {
        "name": name,
        "max_reconnect_attempts": -1,
        "reconnect_time_wait": 0.5,
        "connect_timeout": min(5.0, within),
        "error_cb": errors.seen,
        "reconnected_cb": _reconnected,
    }
    attempt = asyncio.ensure_future(nc.connect(servers, **(_login(servers) | settings | options)))
    refused = asyncio.ensure_future(errors.refused.wait())
    try:
        await asyncio.wait({attempt, refused}, timeout=within, return_when="FIRST_COMPLETED")
    finally:
        refused.cancel()
        if not attempt.done():
            await _abandon(attempt, nc)
    if not attempt.cancelled():
        attempt.result()
        errors.connected = True
        return nc
    last = "" if errors.last is None else f" ({errors.last!r})"
    problem = (
        "the server refused the login"
        if errors.refused.is_set()
        else f"no NATS server answered within {within:g} s; LEDGER_START_TIMEOUT sets the wait"
    )
    raise SettingsError(f"{variable}: {problem} at {where(url)}{last}")


async def _abandon(attempt: asyncio.Future[None], nc: Client) -> None:
    attempt.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await attempt
    with contextlib.suppress(Exception):
        await asyncio.wait_for(nc.close(), 1.0)


async def let_go(nc: Client, within: float = 10.0) -> None:
    """Drained when connected (what was published and acknowledged goes out first);
    closed when not: nats-py refuses to drain while it reconnects, and a service stopped
    during a NATS outage must still stop."""
    try:
        await asyncio.wait_for(nc.drain(), within)
    except (nats.errors.Error, TimeoutError):
        await nc.close()
