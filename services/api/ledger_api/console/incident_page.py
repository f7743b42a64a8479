"""An incident's page: its status header (kind, site, severity, level, milestones), its
obligations on a time axis, and, for auditors, its timeline in recorded or occurred
order (backdated entries flagged, corrections linked both ways, evidence with hashes)
with an as-of control that shows the page as the ledger held it at an instant (through
htmx, only the part it changes: ``incident_view.html``; without script, the whole page),
and the verify button. A clerk gets the header and the obligations, personal fields blanked, as
from ``GET /v1/incidents/{id}``: clerks never read timelines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter
from litestar_htmx import HTMXRequest

from ledger_api import access, app_state, timeline_opening
from ledger_api.auth import READERS, roles, sees_personal_data
from ledger_api.console import words
from ledger_api.console.axis import axis
from ledger_api.console.rendering import page_with
from ledger_api.console.targets import MILESTONES, targets
from ledger_api.console.timeline_rows import timeline_html
from ledger_api.console.zones import moment, zone_of
from ledger_api.moments import as_of as within_bounds
from ledger_api.paging import BadParameter, IncidentPath
from ledger_api.routes import incidents, timeline
from projector.views.answers import Answer

Order = Literal["recorded", "occurred"]
VIEW = "incident-view"  # the id of the part the as-of control changes


def _as_of(text: str | None) -> datetime | None:
    """The instant typed (a date-time picker gives no offset: read as UTC)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter("as_of", "is not a date-time, e.g. 2026-11-22T08:30") from None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return within_bounds("as_of", value.isoformat())


def _header(
    request: Request[Any, Any, Any], status: dict[str, Any] | None, deadlines: list[Any],
    at: datetime | None = None,
) -> dict[str, Any]:  # fmt: skip
    """What both views show: the status, its milestones, the obligations and their axis
    (its line at ``at``, an as-of view's instant, or now), times in the site's zone."""
    status, state = status or {}, app_state.of(request)
    registry = state.profiles.registry
    zone = zone_of(registry, status.get("organisation_id"), status.get("site_id"))
    now = at or datetime.now(UTC)
    timed = [
        d | {k: moment(d.get(k), zone) for k in ("anchor_at", "due_at", "satisfied_at")}
        for d in deadlines
    ]
    aimed = targets(timed, state.projector.packs)
    return {
        "status": status,
        "milestones": [
            (label, moment(status.get(key), zone), aimed[key]) for label, key, _ in MILESTONES
        ],
        "deadlines": timed,
        "axis": axis(deadlines, now),
        "zone": str(zone),
        "now": moment(now, zone),
        "when": lambda value: moment(value, zone),
    }


async def _clerk_view(request: Request[Any, Any, Any], incident_id: str) -> dict[str, Any]:
    status, items = await incidents.status_of(request, incident_id)
    return _header(request, status, items)


async def _shown(
    request: Request[Any, Any, Any], incident_id: str, at: datetime | None, step: int | None
) -> tuple[Answer, Answer | None, list[datetime], datetime | None]:
    """The current answer, the one shown (None: nothing recorded by then), the recorded
    instants, and the instant shown."""
    lang = words.reader_language(request)
    current = await timeline.answer_of(request, incident_id, None, lang)
    logged = access.values(request, "timeline", incident_id)
    await app_state.of(request).access_writer.record(logged, 404 if current is None else 200)
    if current is None:
        raise NotFoundException(f"incident {incident_id!r} has no recorded events")
    instants = sorted({e.recorded_at for e in current.timeline.entries})
    if step is not None:
        at = instants[min(step, len(instants) - 1)]
    if at is None:
        return current, current, instants, None
    return current, await timeline.answer_of(request, incident_id, at, lang), instants, at


async def _auditor_view(
    request: Request[Any, Any, Any], incident_id: str, at: datetime | None, step: int | None,
    order: Order,
) -> dict[str, Any]:  # fmt: skip
    current, shown, instants, at = await _shown(request, incident_id, at, step)
    head = None if shown is None else await timeline_opening.opened_head(request, shown)
    found = head.timeline if head else None
    view = _header(request, found.status if found else None, found.deadlines if found else [], at)
    lang = words.reader_language(request)
    template = request.app.template_engine.engine.get_template("timeline.html")  # type: ignore[union-attr]
    html = b"" if shown is None else await timeline_opening.opened_html(request, timeline_html(
        shown, order, view["when"], words.translations(lang).gettext,
        f"html {lang} {view['zone']}", template,
    ), incident_id)  # fmt: skip
    position = instants.index(at) if at in instants else len(instants) - 1
    return view | {
        "parts": {"timeline_html": html}, "as_of": view["when"](at), "as_of_value": at,
        "order": order,
        "instants": [view["when"](i) for i in instants], "step": position,
        "hidden": len(current.timeline.entries) - len(found.entries if found else []),
    }  # fmt: skip


def _fragment(request: HTMXRequest) -> bool:
    """Whether the as-of control asked (through htmx) for the part it changes alone; a
    history restore, or any other request, gets the whole page."""
    asked = request.htmx
    return bool(asked) and asked.target == VIEW and not asked.history_restore_request


@get("/console/incidents/{incident_id:str}", opt=roles(*READERS), include_in_schema=False,
     request_class=HTMXRequest)  # fmt: skip
async def incident_page(
    request: HTMXRequest,
    incident_id: IncidentPath,
    as_of: Annotated[str | None, QueryParameter(max_length=40)] = None,
    step: Annotated[int | None, QueryParameter(ge=0, le=10_000_000)] = None,
    order: FromQuery[Order] = "recorded",
) -> Response[bytes]:
    auditor = sees_personal_data(request.user)
    if auditor:
        view = await _auditor_view(request, incident_id, _as_of(as_of), step, order)
    else:
        view = await _clerk_view(request, incident_id)
    parts = view.pop("parts", {})
    fragment = auditor and _fragment(request)
    name = "incident_view.html" if fragment else "incident.html"
    answer = page_with(request, name, parts, incident_id=incident_id, auditor=auditor,
                       fragment=fragment, **view)  # fmt: skip
    answer.headers["Vary"] = "HX-Request"
    return answer
