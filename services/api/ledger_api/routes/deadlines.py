"""Deadline boards: every obligation, soonest first, with its state judged at the moment
of reading (a pending obligation whose due time has passed reads ``missed``)."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from ledger_api import examples, moments, scoping
from ledger_api.auth import READERS, roles
from ledger_api.consistency import reads
from ledger_api.disclosure import disclosed
from ledger_api.paging import (
    MAX_LIMIT,
    IncidentPath,
    Where,
    decode_cursor,
    encode_cursor,
    instant,
    page,
)
from ledger_api.problems import ONE, READ
from projector.domain.deadlines.obligation import OPEN, Obligation, State, clock_sql

LIVE_STATE = clock_sql("now()")
_SELECT = f"""
SELECT d.incident_id, d.ref, d.doc, {LIVE_STATE} AS live_state, d.due_at
FROM deadlines d JOIN incident_status s USING (incident_id)
"""


class Summary(msgspec.Struct, frozen=True):
    total: int
    by_state: dict[str, int]
    next_due: dict[str, Any] | None
    missed: list[dict[str, Any]]


class Board(msgspec.Struct, frozen=True):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


def _item(row: asyncpg.Record) -> dict[str, Any]:
    doc: dict[str, Any] = msgspec.json.decode(row["doc"])
    return doc | {"state": row["live_state"]}


async def of_incident(conn: asyncpg.Connection, incident_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _SELECT + " WHERE d.incident_id = $1 ORDER BY d.due_at, d.ref", incident_id
    )
    return [_item(r) for r in rows]


def summary(items: list[dict[str, Any]]) -> Summary:
    by_state: dict[str, int] = {}
    for item in items:
        by_state[item["state"]] = by_state.get(item["state"], 0) + 1
    pending = [i for i in items if i["state"] in OPEN]
    return Summary(
        total=len(items),
        by_state=by_state,
        next_due=min(pending, key=lambda i: i["due_at"]) if pending else None,
        missed=[i for i in items if i["state"] == "missed"],
    )


@get(
    "/v1/incidents/{incident_id:str}/deadlines",
    opt=roles(*READERS),
    responses=ONE | examples.ok(Board, examples.BOARD),
    tags=["deadlines"],
    summary="One incident's deadlines, soonest first",
)
async def incident_deadlines(
    request: Request[Any, Any, Any],
    incident_id: IncidentPath,
) -> Board:
    unknown = f"incident {incident_id!r} is not known"
    async with reads(request).acquire() as conn:
        await scoping.admit(conn, request.user, incident_id, unknown)
        known = await conn.fetchval(
            "SELECT 1 FROM incident_status WHERE incident_id = $1", incident_id
        )
        if not known:
            raise NotFoundException(unknown)
        items = await of_incident(conn, incident_id)
    return Board(disclosed(request.user, items, list[Obligation]))


@get(
    "/v1/deadlines",
    opt=roles(*READERS),
    tags=["deadlines"],
    summary="The deadline board",
    responses=READ | examples.ok(Board, examples.BOARD),
)
async def board(
    request: Request[Any, Any, Any],
    deadline_state: Annotated[list[State] | None, QueryParameter(name="state")] = None,
    policy: Annotated[str | None, QueryParameter(max_length=100)] = None,
    due_before: Annotated[str | None, moments.date_time("due before this instant")] = None,
    site: Annotated[str | None, QueryParameter(max_length=200)] = None,
    kind: Annotated[list[str] | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
) -> Board:
    due_by = moments.bound("due_before", due_before)
    where = Where()
    if deadline_state:
        where.add(f"{LIVE_STATE} = any({{}})", deadline_state)
    if policy:
        where.add("d.pack_id = {}", policy)
    if due_by:
        where.add("d.due_at < {}", due_by)
    if site:
        where.add("(s.doc->>'site_name' = {0} OR s.doc->>'location_code' = {0})", site)
    if kind:
        where.add("s.kind = any({})", kind)
    scoping.narrow(where, request.user)
    if cursor:
        due, incident, ref = decode_cursor(cursor, 3)
        where.add("(d.due_at, d.incident_id, d.ref) > ({}, {}, {})", instant(due), incident, ref)
    query = _SELECT + where.sql() + f" ORDER BY d.due_at, d.incident_id, d.ref LIMIT {limit + 1}"
    async with reads(request).acquire() as conn:
        rows, last = page(await conn.fetch(query, *where.args), limit)
    token = last and encode_cursor(last["due_at"].isoformat(), last["incident_id"], last["ref"])
    return Board(disclosed(request.user, [_item(r) for r in rows], list[Obligation]), token)
