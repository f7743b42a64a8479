"""Deadline boards: every obligation with its explanation (see ``projector.views.board``),
its state judged at the moment of reading (a pending obligation whose due time has passed
reads ``missed``). One incident's board is sorted open obligations first by due time, then
the closed ones, and may be read as of a past instant and with ``explain=true``; the board
of every incident is paged by due time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from ledger_api import app_state, examples, moments, scoping
from ledger_api.auth import READERS, roles
from ledger_api.board_reads import LIVE_STATE as LIVE_STATE  # the timeline's, the list's
from ledger_api.board_reads import SELECT, judged, read
from ledger_api.board_reads import of_incident as of_incident  # an incident's summary
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
from projector.domain.deadlines.obligation import OPEN, Obligation, State
from projector.views.board import Considered, Filters, item, ordered

StateFilter = Annotated[list[State] | None, QueryParameter(name="state")]
Policy = Annotated[str | None, QueryParameter(max_length=100, description="a pack's id")]
Stage = Annotated[str | None, QueryParameter(max_length=100, description="a rule's stage")]
DueBefore = Annotated[str | None, moments.date_time("due before this instant (exclusive)")]
DueAfter = Annotated[str | None, moments.date_time("due at or after this instant")]


class Summary(msgspec.Struct, frozen=True):
    total: int
    by_state: dict[str, int]
    next_due: dict[str, Any] | None
    missed: list[dict[str, Any]]


class Board(msgspec.Struct, frozen=True):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class IncidentBoard(msgspec.Struct, frozen=True, kw_only=True):
    """One incident's board; ``considered`` (with ``explain=true``): every rule of every
    pack judged for the incident, and why it did or did not apply."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None
    as_of: datetime | None = None
    considered: list[Considered] | None = None


def filters(
    states: list[State] | None, policy: str | None, stage: str | None,
    due_before: str | None, due_after: str | None,
) -> Filters:  # fmt: skip
    """The board's filters from the query, each bound read by ``moments``' one rule."""
    return Filters(
        states=tuple(states or ()),
        policy=policy,
        stage=stage,
        due_before=moments.bound("due_before", due_before),
        due_after=moments.bound("due_after", due_after),
    )


def _where(found: Filters) -> Where:
    """:meth:`Filters.keeps` in SQL, over the read model's state and columns."""
    where = Where()
    if found.states:
        where.add(f"{LIVE_STATE} = any({{}})", list(found.states))
    if found.policy:
        where.add("d.pack_id = {}", found.policy)
    if found.stage:
        where.add("d.stage = {}", found.stage)
    if found.due_before:
        where.add("d.due_at < {}", found.due_before)
    if found.due_after:
        where.add("d.due_at >= {}", found.due_after)
    return where


def summary(items: list[dict[str, Any]]) -> Summary:
    by_state: dict[str, int] = {}
    for entry in items:
        by_state[entry["state"]] = by_state.get(entry["state"], 0) + 1
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
    responses=ONE | examples.ok(IncidentBoard, examples.BOARD),
    tags=["deadlines"],
    summary="One incident's deadlines, open ones first by due time, then the closed ones",
)
async def incident_deadlines(
    request: Request[Any, Any, Any],
    incident_id: IncidentPath,
    deadline_state: StateFilter = None,
    policy: Policy = None,
    stage: Stage = None,
    due_before: DueBefore = None,
    due_after: DueAfter = None,
    as_of: Annotated[str | None, moments.date_time("the board as the ledger held it then")] = None,
    explain: Annotated[
        bool,
        QueryParameter(
            description="add each obligation's profile basis and the rules"
            " considered, with why each did or did not apply"
        ),
    ] = False,
) -> IncidentBoard:
    wanted = filters(deadline_state, policy, stage, due_before, due_after)
    at = moments.as_of("as_of", as_of)
    state = app_state.of(request)
    unknown = f"incident {incident_id!r} is not known"
    async with reads(request).acquire() as conn:
        await scoping.admit(conn, request.user, incident_id, unknown)
        known = await conn.fetchval(
            "SELECT 1 FROM incident_status WHERE incident_id = $1", incident_id
        )
        if not known:
            raise NotFoundException(unknown)
        found, why = await read(conn, incident_id, at, explain, state.projector, state.profiles)
    items = [item(j, explain=explain) for j in ordered(filter(wanted.keeps, found))]
    shown = await disclosed(request, items, list[Obligation])
    return IncidentBoard(items=shown, as_of=at, considered=why)


@get(
    "/v1/deadlines",
    opt=roles(*READERS),
    tags=["deadlines"],
    summary="The deadline board",
    responses=READ | examples.ok(Board, examples.BOARD),
)
async def board(
    request: Request[Any, Any, Any],
    deadline_state: StateFilter = None,
    policy: Policy = None,
    stage: Stage = None,
    due_before: DueBefore = None,
    due_after: DueAfter = None,
    site: Annotated[str | None, QueryParameter(max_length=200)] = None,
    kind: Annotated[list[str] | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 100,
    cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
) -> Board:
    where = _where(filters(deadline_state, policy, stage, due_before, due_after))
    if site:
        where.add("(s.doc->>'site_name' = {0} OR s.doc->>'location_code' = {0})", site)
    if kind:
        where.add("s.kind = any({})", kind)
    scoping.narrow(where, request.user)
    if cursor:
        due, incident, ref = decode_cursor(cursor, 3)
        where.add("(d.due_at, d.incident_id, d.ref) > ({}, {}, {})", instant(due), incident, ref)
    query = SELECT + where.sql() + f" ORDER BY d.due_at, d.incident_id, d.ref LIMIT {limit + 1}"
    async with reads(request).acquire() as conn:
        rows, last = page(await conn.fetch(query, *where.args), limit)
    token = last and encode_cursor(last["due_at"].isoformat(), last["incident_id"], last["ref"])
    items = [item(judged(r)) for r in rows]
    return Board(await disclosed(request, items, list[Obligation]), token)
