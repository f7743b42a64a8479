"""Tokens recently found valid, trusted for a short while without asking the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from cachetools import TTLCache

from ledger_api.token_store import Holder as Principal

Lookup = Callable[[], Awaitable[Principal | None]]
TOKEN_TTL = 2.0
"""Seconds a known token is trusted without asking the database again: a revocation takes
effect on every API instance within this long."""


class KnownTokens:
    """Tokens recently found valid, by secret hash, each trusted for ``TOKEN_TTL``; at most
    ``size`` of them, the oldest out first. Requests presenting a token while it is being
    looked up share that lookup: when a busy token's trust lapses, one query renews it."""

    def __init__(self, size: int = 10_000, timer: Callable[[], float] = time.monotonic) -> None:
        self._known = TTLCache[bytes, Principal](size, TOKEN_TTL, timer)
        self._asking: dict[bytes, asyncio.Future[Principal | None]] = {}

    async def holder(self, digest: bytes, lookup: Lookup) -> Principal | None:
        """Who holds the token hashed to ``digest``: known, or asked of ``lookup``."""
        known = self._known.get(digest)
        if known is not None:
            return known
        asking = self._asking.get(digest)
        if asking is None:
            asking = self._asking[digest] = asyncio.ensure_future(self._ask(digest, lookup))
            asking.add_done_callback(lambda _: self._asking.pop(digest, None))
        return await asyncio.shield(asking)

    def forget(self, digest: bytes) -> None:
        """No longer trust ``digest`` (a session signed out) on this instance."""
        self._known.pop(digest, None)

    async def _ask(self, digest: bytes, lookup: Lookup) -> Principal | None:
        holder = await lookup()
        if holder is not None:
            self._known[digest] = holder
        return holder
