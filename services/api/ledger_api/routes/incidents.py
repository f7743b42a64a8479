"""Incidents: the list with filters and keyset pages, and one incident's current status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter

from ledger_api import examples, moments, scoping
from ledger_api.auth import READERS, roles
from ledger_api.consistency import reads
from ledger_api.disclosure import disclosed
from ledger_api.paging import (
    MAX_LIMIT,
    BadParameter,
    IncidentPath,
    Where,
    decode_cursor,
    encode_cursor,
    instant,
    page,
)
from ledger_api.problems import ONE, READ
from ledger_api.routes import deadlines
from projector.domain.deadlines.obligation import Obligation
from projector.domain.status import IncidentStatus

OCCURRED = (
    "coalesce((doc->>'detected_at')::timestamptz, (doc->>'reported_at')::timestamptz,"
    " 'epoch'::timestamptz)"
)
_MISSED = (
    "EXISTS (SELECT FROM deadlines d WHERE d.incident_id = s.incident_id"
    f" AND {deadlines.LIVE_STATE} = 'missed')"
)


class Incidents(msgspec.Struct, frozen=True):
    items: list[dict[str, Any]]
    next_cursor: str | None = None


class IncidentDetail(msgspec.Struct, frozen=True):
    incident: dict[str, Any]
    deadlines: deadlines.Summary


_IN_TIMELINE = (
    "EXISTS (SELECT FROM events e WHERE e.incident_id = s.incident_id"
    " AND convert_from(e.record, 'UTF8')::jsonb #>> '{{event,payload,text}}' ILIKE {0})"
)
"""A note's or an action's text in the incident's timeline matches (an auditor's search:
clerks never read timelines)."""


def filters(
    status: list[str] | None,
    kind: list[str] | None,
    site: str | None,
    severity: list[str] | None,
    occurred_from: datetime | None,
    occurred_to: datetime | None,
    has_missed_deadlines: bool | None,
    q: str | None,
    *,
    in_timelines: bool = False,
) -> Where:
    """The list's filters; ``in_timelines``: ``q`` also searches the timelines' texts."""
    where = Where()
    if status:
        where.add("s.status = any({})", status)
    if kind:
        where.add("s.kind = any({})", kind)
    if site:
        where.add("(doc->>'site_name' = {0} OR doc->>'location_code' = {0})", site)
    if severity:
        where.add("doc->>'severity' = any({})", severity)
    if occurred_from:
        where.add(f"{OCCURRED} >= {{}}", occurred_from)
    if occurred_to:
        where.add(f"{OCCURRED} < {{}}", occurred_to)
    if has_missed_deadlines is not None:
        where.add(_MISSED if has_missed_deadlines else f"NOT {_MISSED}")
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        texts = "doc->>'title' ILIKE {0} OR doc->>'description' ILIKE {0}"
        where.add(f"({texts} OR {_IN_TIMELINE})" if in_timelines else f"({texts})", pattern)
    return where


_LIST = f"SELECT s.incident_id, s.doc, {OCCURRED} AS occurred FROM incident_status s"


@get(
    "/v1/incidents",
    opt=roles(*READERS),
    tags=["incidents"],
    summary="Incidents",
    responses=READ | examples.ok(Incidents, examples.INCIDENTS),
)
async def list_incidents(
    request: Request[Any, Any, Any],
    status: Annotated[list[str] | None, QueryParameter(description="any of these statuses")] = None,
    kind: Annotated[list[str] | None, QueryParameter(description="any of these kinds")] = None,
    site: Annotated[
        str | None, QueryParameter(max_length=200, description="site name or code")
    ] = None,
    severity: Annotated[list[str] | None, QueryParameter(description="any of these")] = None,
    occurred_from: Annotated[str | None, moments.date_time("occurred on or after")] = None,
    occurred_to: Annotated[str | None, moments.date_time("occurred before")] = None,
    has_missed_deadlines: FromQuery[bool | None] = None,
    q: Annotated[
        str | None, QueryParameter(max_length=200, description="text in title or description")
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
) -> Incidents:
    """Newest first (by when the incident occurred, then id), in keyset pages: pass the
    ``next_cursor`` of one page as ``cursor`` to get the next."""
    after = moments.bound("occurred_from", occurred_from)
    before = moments.bound("occurred_to", occurred_to)
    if after and before and after >= before:
        raise BadParameter("occurred_to", "must be later than occurred_from")
    where = filters(status, kind, site, severity, after, before, has_missed_deadlines, q)
    scoping.narrow(where, request.user)
    if cursor:
        occurred, incident = decode_cursor(cursor, 2)
        where.add(f"({OCCURRED}, s.incident_id) < ({{}}, {{}})", instant(occurred), incident)
    query = _LIST + where.sql() + f" ORDER BY occurred DESC, s.incident_id DESC LIMIT {limit + 1}"
    async with reads(request).acquire() as conn:
        rows, last = page(await conn.fetch(query, *where.args), limit)
    token = last and encode_cursor(last["occurred"].isoformat(), last["incident_id"])
    docs = [msgspec.json.decode(r["doc"]) for r in rows]
    return Incidents(await disclosed(request, docs, list[IncidentStatus]), token)


@get(
    "/v1/incidents/{incident_id:str}",
    opt=roles(*READERS),
    responses=ONE | examples.ok(IncidentDetail, examples.INCIDENT),
    tags=["incidents"],
    summary="An incident's current status and deadlines",
)
async def incident(request: Request[Any, Any, Any], incident_id: IncidentPath) -> IncidentDetail:
    status, items = await status_of(request, incident_id)
    return IncidentDetail(status, deadlines.summary(items))


async def status_of(
    request: Request[Any, Any, Any], incident_id: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An incident's status and obligations as the request's reader may see them (404
    outside its scope or unknown): the API's answer and the console's page read them here."""
    unknown = f"incident {incident_id!r} is not known"
    async with reads(request).acquire() as conn:
        await scoping.admit(conn, request.user, incident_id, unknown)
        doc = await conn.fetchval(
            "SELECT doc FROM incident_status WHERE incident_id = $1", incident_id
        )
        if doc is None:
            raise NotFoundException(unknown)
        items = await deadlines.of_incident(conn, incident_id)
    status = await disclosed(request, msgspec.json.decode(doc), IncidentStatus)
    return status, await disclosed(request, items, list[Obligation])
