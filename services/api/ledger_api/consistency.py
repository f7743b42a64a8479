"""Read-your-writes across lagging read models and replicas.

Every read answers with ``X-Ledger-Position``: a position its data reflects at least (the
ledger's head for timelines, bundles and proofs, the read models' for the rest). A read
given ``min_position`` first waits, up to ``patience``, until that position is reached,
or answers 503 with ``Retry-After``: a clerk who recorded a loss at position P and asks
for a loss run with ``min_position=P`` never gets one without it.

The positions are read *before* the request's own read, so they never overstate what it
saw; to spare a round trip per request they are reused for up to ``positions.FRESH`` seconds.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from litestar import Request
from litestar.params import QueryParameter
from litestar.types import Message, Scope

from ledger_api import app_state
from ledger_api.app_state import AppState
from ledger_api.paging import BadParameter

HEADER = "X-Ledger-Position"
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


def pool_of(state: AppState, path: str) -> asyncpg.Pool:
    """The pool a path reads from: the replica's, unless the read writes the access log."""
    return state.pool if _AUDITED.match(path) else state.read_pool


def reads(request: Request[Any, Any, Any]) -> asyncpg.Pool:
    """The pool a read's handler uses: the one ``before`` read its position on, even if
    the replica watch has switched pools since."""
    pool: asyncpg.Pool | None = _noted(request).get("read_pool")
    return pool if pool is not None else pool_of(app_state.of(request), request.scope["path"])


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
    state = app_state.of(request)
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
