"""The access log: every read of a timeline, export, report or claim pack, recorded before
the response is sent (who, what, with which parameters, when); admins query it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, get
from litestar.params import QueryParameter

from ledger_api import access_rows, examples, moments
from ledger_api.app_state import AppState
from ledger_api.auth import Principal, roles
from ledger_api.paging import MAX_LIMIT, Where, page
from ledger_api.problems import READ

INSERT_FOR_INCIDENT = """
INSERT INTO access_log (token_id, token_name, role, action, resource, params, status)
SELECT $3, $4, $5, $6, $7, $8::jsonb,
       CASE WHEN EXISTS (SELECT FROM events WHERE incident_id = $1) THEN 200 ELSE 404 END
"""
"""The access log's row for a read of incident ``$1``, as a statement to put in a ``WITH``
before the read itself (one round trip), with :func:`values` as ``$3``…``$8``."""


def values(request: Request[Principal, Any, Any], action: str, resource: str) -> list[Any]:
    """Who (token id, name, role), what (action, resource) and how (query parameters)."""
    return access_rows.row(request.user, request, action, resource)


async def record(
    conn: asyncpg.Connection,
    request: Request[Principal, Any, Any],
    action: str,
    resource: str,
    status: int = 200,
) -> None:
    """Log ``action`` on ``resource`` by the request's token, with its query parameters."""
    await conn.execute(
        "INSERT INTO access_log (token_id, token_name, role, action, resource, params, status)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)",
        *values(request, action, resource),
        status,
    )


class AccessEntry(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    token_id: str
    token_name: str
    role: str
    action: str
    resource: str
    params: dict[str, Any]
    status: int


class AccessLog(msgspec.Struct, frozen=True):
    items: list[AccessEntry]
    next_before: int | None = None


@get(
    "/v1/access-log",
    opt=roles("admin"),
    tags=["audit"],
    summary="Who read what, when",
    responses=READ | examples.ok(AccessLog, examples.ACCESS),
)
async def access_log(
    state: AppState,
    action: Annotated[str | None, QueryParameter(max_length=100)] = None,
    role: Annotated[str | None, QueryParameter(max_length=20)] = None,
    token_id: Annotated[str | None, QueryParameter(max_length=36)] = None,
    resource: Annotated[str | None, QueryParameter(max_length=200)] = None,
    since: Annotated[str | None, moments.date_time("at or after")] = None,
    until: Annotated[str | None, moments.date_time("before")] = None,
    before: Annotated[
        int | None, QueryParameter(ge=1, le=2**63 - 1, description="next_before of a page")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
) -> AccessLog:
    """Newest first; pass a page's ``next_before`` as ``before`` for the next page."""
    after, before_at = moments.bound("since", since), moments.bound("until", until)
    where = Where()
    for column, value in (("action", action), ("role", role), ("resource", resource)):
        if value:
            where.add(f"{column} = {{}}", value)
    if token_id:
        where.add("token_id::text = {}", token_id)
    if after:
        where.add("at >= {}", after)
    if before_at:
        where.add("at < {}", before_at)
    if before:
        where.add("id < {}", before)
    query = f"SELECT * FROM access_log{where.sql()} ORDER BY id DESC LIMIT {limit + 1}"
    async with state.pool.acquire() as conn:
        rows, last = page(await conn.fetch(query, *where.args), limit)
    items = [
        AccessEntry(
            **(
                dict(r)
                | {"token_id": str(r["token_id"]), "params": msgspec.json.decode(r["params"])}
            )
        )
        for r in rows
    ]
    return AccessLog(items, last["id"] if last else None)
