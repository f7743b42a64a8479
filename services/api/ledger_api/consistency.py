"""Read-your-writes across lagging read models and replicas.

Every read answers with ``X-Ledger-Position``: a position its data reflects at least (the
ledger's head for timelines, bundles and proofs, the read models' for the rest). A read
given ``min_position`` first waits, up to ``patience``, until that position is reached,
or answers 503 with ``Retry-After``: a clerk who recorded a loss at position P and asks
for a loss run with ``min_position=P`` never gets one without it.

The positions are read *before* the request's own read, so they never overstate what it
saw; to spare a round trip per request they are reused for up to ``FRESH`` seconds.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import asyncpg
from litestar import Request
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter
from litestar.types import Message, Scope

from ledger_api.paging import BadParameter

FRESH = 0.1  # seconds a position is reused for before it is read again
HEADER = "X-Ledger-Position"
_POSITIONS = """
SELECT (SELECT coalesce(max(position), 0) FROM events) AS ledger,
       coalesce((SELECT cp.position FROM projection_state s JOIN projection_checkpoints cp
                 ON cp.projection = 'read_models_g' || s.active
                 WHERE s.name = 'read_models'), 0) AS projection,
       coalesce((SELECT active FROM projection_state WHERE name = 'read_models'), 0)
         AS generation
"""
MAX_POSITION = 10**15  # far beyond any ledger; exact as a JSON Schema number
# Declared on every read that honours it, so that the schema names it (``before`` reads it).
CONSISTENT = {
    "min_position": QueryParameter(
        annotation=int,
        name="min_position",
        required=False,
        ge=0,
        le=MAX_POSITION,
        description="Answer only once the data reflects this ledger position (an "
        "X-Ledger-Position seen earlier): waits up to 2 s, else 503 with Retry-After",
    )
}
_LEDGER_PATHS = re.compile(r"^/v1/(audit/|incidents/[^/]+/(timeline|bundle)$)")
_MODEL_PATHS = re.compile(r"^/v1/(incidents|deadlines|losses)(/|$)")
# Reads that write the access log in their own transaction: served by the primary.
_AUDITED = re.compile(r"^/v1/(losses$|incidents/[^/]+/(timeline|bundle|report|claim-pack)$)")


def source_of(path: str) -> str | None:
    """Which position a path's answer reflects: "ledger", "projection", or None."""
    if _LEDGER_PATHS.match(path):
        return "ledger"
    return "projection" if _MODEL_PATHS.match(path) else None


def pool_of(state: Any, path: str) -> asyncpg.Pool:
    """The pool a path reads from: the replica's, unless the read writes the access log."""
    return state.pool if _AUDITED.match(path) else state.read_pool


def reads(request: Request[Any, Any, Any]) -> asyncpg.Pool:
    """The pool a read's handler uses: the one ``before`` read its position on, even if
    the replica watch has switched pools since."""
    pool: asyncpg.Pool | None = _noted(request).get("read_pool")
    return pool if pool is not None else pool_of(request.app.state, request.scope["path"])


class Positions:
    """The latest positions seen on each database the API reads from."""

    def __init__(self, patience: float = 2.0) -> None:
        self.patience = patience
        self._seen: dict[int, tuple[float, dict[str, int]]] = {}  # id(pool) → when, what
        self._reading: dict[int, asyncio.Future[dict[str, int]]] = {}  # id(pool) → read

    async def refresh(self, pool: asyncpg.Pool) -> dict[str, int]:
        """The positions read now: requests that ask while a read is on its way share it
        (it started after they asked, so it reflects at least what they wanted)."""
        started = time.monotonic()
        row = await pool.fetchrow(_POSITIONS)
        seen = dict(row.items())
        if self._seen.get(id(pool), (-FRESH, {}))[0] <= started:
            self._seen[id(pool)] = (started, seen)
        return seen

    async def current(self, pool: asyncpg.Pool) -> dict[str, int]:
        """Positions read at most ``FRESH`` ago; when they are older, one read for all."""
        read_at, seen = self._seen.get(id(pool), (-FRESH, {}))
        if time.monotonic() - read_at < FRESH:
            return seen
        reading = self._reading.get(id(pool))
        if reading is None:
            reading = self._reading[id(pool)] = asyncio.ensure_future(self.refresh(pool))
            reading.add_done_callback(lambda _: self._reading.pop(id(pool), None))
        return await asyncio.shield(reading)

    async def reach(
        self, pool: asyncpg.Pool, source: str, wanted: int, primary: asyncpg.Pool
    ) -> int:
        """The position once it is at least ``wanted``; 503 after ``patience``; 400 if
        ``wanted`` lies beyond the ledger itself (no answer can have carried it)."""
        deadline = time.monotonic() + self.patience
        seen = (await self.current(pool))[source]
        if seen < wanted and wanted > (head := (await self.refresh(primary))["ledger"]):
            raise BadParameter(
                "min_position", f"{wanted} lies beyond the ledger, which ends at {head}"
            )
        while seen < wanted:
            if time.monotonic() >= deadline:
                raise HTTPException(
                    status_code=503, headers={"Retry-After": "1"},
                    detail=f"the {'ledger' if source == 'ledger' else 'read models'} here"
                    f" reflect position {seen}, behind min_position {wanted}; retry shortly",
                )  # fmt: skip
            await asyncio.sleep(0.05)
            seen = (await self.refresh(pool))[source]
        return seen


def _noted(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The request's state as the dict it is (``request.state`` wraps it anew, with a
    lock, on every access)."""
    return request.scope.setdefault("state", {})


def _min_position(request: Request[Any, Any, Any]) -> int | None:
    raw = request.query_params.get("min_position")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 16 or int(raw) > MAX_POSITION:
        raise BadParameter(
            "min_position", f"must be a ledger position (0 to {MAX_POSITION}), not {raw!r}"
        )
    return int(raw)


async def before(request: Request[Any, Any, Any]) -> None:
    """Wait for ``min_position`` if asked; note the position the answer will reflect."""
    path = request.scope["path"]  # not request.url: that is parsed anew on every access
    source = source_of(path)
    if source is None or request.scope["method"] != "GET":
        return
    state = request.app.state
    pool, wanted = pool_of(state, path), _min_position(request)
    noted = _noted(request)
    noted["read_pool"] = pool  # the handler reads where the position was read
    if wanted is None:
        position = (await state.positions.current(pool))[source]
    else:
        position = await state.positions.reach(pool, source, wanted, state.pool)
    noted["ledger_position"] = position


async def add_header(message: Message, scope: Scope) -> None:
    """``X-Ledger-Position`` on the answer to a read that noted one (a before_send hook)."""
    position = scope.get("state", {}).get("ledger_position")
    if message["type"] == "http.response.start" and position is not None:
        headers = list(message.get("headers", []))
        headers.append((b"x-ledger-position", str(position).encode()))
        message["headers"] = headers
