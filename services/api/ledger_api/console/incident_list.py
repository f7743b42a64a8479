"""The incidents page: search (title, description and, for auditors, the timelines'
texts), filters (status, kind, site, severity, when it occurred, missed deadlines),
counts by status, keyset pages. The same query and scope as ``GET /v1/incidents``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

import msgspec
from litestar import Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from contracts.enums import IncidentKind
from contracts.levels import Severity
from ledger_api import app_state, scoping
from ledger_api.auth import READERS, roles, sees_personal_data
from ledger_api.consistency import reads
from ledger_api.console.rendering import page
from ledger_api.console.zones import moment, zone_of
from ledger_api.disclosure import disclosed
from ledger_api.paging import BadParameter, Where, decode_cursor, encode_cursor, instant
from ledger_api.routes import incidents as listing
from projector.domain.status import IncidentStatus, Status

PAGE = 25
STATUSES: tuple[str, ...] = get_args(Status)
KINDS = tuple(k.value for k in IncidentKind)
SEVERITIES = tuple(s.value for s in Severity)
_MISSED = {"": None, "yes": True, "no": False}
_COUNTS = "SELECT s.status, count(*) AS n FROM incident_status s{} GROUP BY s.status"
_LIST = f"SELECT s.incident_id, s.doc, {listing.OCCURRED} AS occurred FROM incident_status s"
Many = Annotated[list[str] | None, QueryParameter()]
Text = Annotated[str, QueryParameter(max_length=200)]


class Asked(msgspec.Struct, frozen=True):
    """What the reader asked for, as the form shows it back."""

    q: str
    status: list[str]
    kind: list[str]
    site: str
    severity: list[str]
    since: str
    until: str
    missed: str


def _day(name: str, text: str, after: int = 0) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadParameter(name, "is not a date (YYYY-MM-DD)") from None
    return datetime.combine(day + timedelta(days=after), time(), UTC)


def _known(name: str, values: list[str], allowed: tuple[str, ...]) -> list[str]:
    for value in values:
        if value not in allowed:
            raise BadParameter(name, f"{value!r} is not one of {', '.join(allowed)}")
    return values


def _where(asked: Asked, request: Request[Any, Any, Any]) -> Where:
    if asked.missed not in _MISSED:
        raise BadParameter("missed", "is yes, no or empty")
    after, before = _day("since", asked.since), _day("until", asked.until, after=1)
    if after and before and after >= before:
        raise BadParameter("until", "is before since")
    where = listing.filters(
        asked.status or None, asked.kind or None, asked.site or None, asked.severity or None,
        after, before, _MISSED[asked.missed], asked.q or None,
        in_timelines=sees_personal_data(request.user),
    )  # fmt: skip
    scoping.narrow(where, request.user)
    return where


def _pages(request: Request[Any, Any, Any], following: str | None) -> dict[str, Any]:
    """The links to the first page (from a later one) and the next (when more follow)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    base = "/console/incidents?"
    return {
        "first_href": base + urlencode(kept) if "cursor" in request.query_params else None,
        "next_href": base + urlencode([*kept, ("cursor", following)]) if following else None,
    }


def _row(doc: dict[str, Any], request: Request[Any, Any, Any]) -> dict[str, Any]:
    registry = app_state.of(request).profiles.registry
    zone = zone_of(registry, doc.get("organisation_id"), doc.get("site_id"))
    occurred = doc.get("detected_at") or doc.get("reported_at")
    return doc | {"occurred": moment(occurred, zone)}


async def _read(
    request: Request[Any, Any, Any], where: Where, cursor: str | None, limit: int
) -> tuple[list[Any], dict[str, int], str | None]:
    """A page of rows from ``cursor`` on, the counts by status of all that match, and the
    next page's cursor (None on the last page)."""
    counts_sql, count_args = _COUNTS.format(where.sql()), list(where.args)
    if cursor:
        occurred, incident = decode_cursor(cursor, 2)
        clause = f"({listing.OCCURRED}, s.incident_id) < ({{}}, {{}})"
        where.add(clause, instant(occurred), incident)
    query = _LIST + where.sql() + f" ORDER BY occurred DESC, s.incident_id DESC LIMIT {limit + 1}"
    async with reads(request).acquire() as conn:
        await app_state.of(request).profiles.at(conn, None)
        counted = await conn.fetch(counts_sql, *count_args)
        rows = await conn.fetch(query, *where.args)
    last = rows[limit - 1] if len(rows) > limit else None
    following = last and encode_cursor(last["occurred"].isoformat(), last["incident_id"])
    return rows[:limit], {r["status"]: r["n"] for r in counted}, following


@get("/console/incidents", opt=roles(*READERS), include_in_schema=False)
async def incident_list(
    request: Request[Any, Any, Any],
    q: Text = "", status: Many = None, kind: Many = None, site: Text = "",
    severity: Many = None, since: Text = "", until: Text = "", missed: FromQuery[str] = "",
    cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = PAGE,
) -> Template:  # fmt: skip
    status = _known("status", status or [], STATUSES)
    kind = _known("kind", kind or [], KINDS)
    severity = _known("severity", severity or [], SEVERITIES)
    asked = Asked(q, status, kind, site, severity, since, until, missed)
    where = _where(asked, request)
    rows, counts, following = await _read(request, where, cursor, limit)
    docs = await disclosed(
        request, [msgspec.json.decode(r["doc"]) for r in rows], list[IncidentStatus]
    )
    return page(
        request, "incidents.html", asked=asked, rows=[_row(d, request) for d in docs],
        counts=counts, total=sum(counts.values()), statuses=STATUSES, kinds=KINDS,
        severities=SEVERITIES,
        **_pages(request, following),
        searches_timelines=sees_personal_data(request.user),
    )  # fmt: skip
