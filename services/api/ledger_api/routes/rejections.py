"""``GET /v1/rejections``: the events the ledger refused, read back from the rejection
stream, oldest first. Admins see every source's; a publisher only its own sources'
(``Holder.sources``). Rejections carry a source, not an organisation (a refused event may
name none), so a token scoped to an organisation reads only its own sources', and a
scoped admin, having none, reads none. The records carry the bytes as received, so each
read is in the access log, and nothing of them is ever logged."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import nats.errors
from litestar import Request, get
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.params import QueryParameter

from ledger.store import rejection_log
from ledger.store.rejection_log import SOURCE, Rejection
from ledger_api import access, examples, moments
from ledger_api.app_state import AppState
from ledger_api.auth import Principal, roles
from ledger_api.paging import MAX_LIMIT, BadParameter, decode_cursor, encode_cursor
from ledger_api.problems import READ


class Rejections(msgspec.Struct, frozen=True):
    items: list[Rejection]
    next_cursor: str | None = None


def _sources(who: Principal, source: str | None) -> tuple[str, ...]:
    """The sources ``who`` may read, narrowed to ``source``; () for an unscoped admin: all."""
    if who.role == "admin" and who.scope is None:
        return () if source is None else (source,)
    if source is None:
        return who.sources
    if source not in who.sources:
        raise PermissionDeniedException(f"this token may not read the rejections of {source!r}")
    return (source,)


def after_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    (seq,) = decode_cursor(cursor, 1)
    if not (seq.isascii() and seq.isdigit() and len(seq) < 20):  # "²" is a digit too
        raise BadParameter("cursor", "not a cursor this endpoint handed out")
    return int(seq)


@get(
    "/v1/rejections",
    opt=roles("admin", "publisher"),
    tags=["events"],
    summary="Rejected events, oldest first",
    responses=READ | examples.ok(Rejections, examples.REJECTIONS),
)
async def rejections(
    request: Request[Principal, Any, Any],
    state: AppState,
    source: Annotated[str | None, QueryParameter(pattern=SOURCE, max_length=64)] = None,
    code: Annotated[str | None, QueryParameter(pattern=r"^[a-z0-9_]{1,64}$")] = None,
    since: Annotated[str | None, moments.date_time("received at or after")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, QueryParameter(max_length=100)] = None,
) -> Rejections:
    """Oldest first, in keyset pages: pass a page's ``next_cursor`` as ``cursor`` for the
    next (a page filtered by ``code`` may be short and still name a cursor). A publisher
    sees only the rejections of the sources its token may publish as."""
    since_at, after = moments.bound("since", since), after_cursor(cursor)
    try:
        sources = _sources(request.user, source)
    except PermissionDeniedException:
        async with state.pool.acquire() as conn:  # a denied read is logged like the others
            await access.record(conn, request, "rejections", str(source), status=403)
        raise
    query = rejection_log.Query(sources=sources, code=code, since=since_at, after=after)
    if (request.user.role != "admin" or request.user.scope) and not query.sources:
        return Rejections([])  # a token bound to no source
    async with state.pool.acquire() as conn:
        await access.record(conn, request, "rejections", source or "all")
    found, last = await _page(state, query, limit)
    return Rejections(found, None if last is None else encode_cursor(last))


async def _page(
    state: AppState, query: rejection_log.Query, limit: int
) -> tuple[list[Rejection], int | None]:
    if state.nats is None:
        raise _unavailable()
    try:
        return await rejection_log.page(state.nats.jetstream(), state.topology, query, limit)
    except (nats.errors.Error, TimeoutError):
        raise _unavailable() from None


def _unavailable() -> HTTPException:
    return HTTPException(status_code=503, detail="NATS is not reachable right now; retry shortly",
                         headers={"Retry-After": "1"})  # fmt: skip
