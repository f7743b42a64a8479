"""Incident timelines for auditors: now, or exactly as the ledger held them at ``as_of``.

Each entry carries its hash and the link to the incident's previous record, a one-line
summary (``Accept-Language`` picks English or Chinese), a ``backdated`` flag and the
corrections that point at it. With ``as_of``, status and deadlines come from the
projector's own pure folds over the entries, judged at that instant; without it, from the
read models when they have caught up with the incident (else from the same folds).
Among the incident's entries, in position order, are the events of its organisation's or
site's profile recorded after its basis (up to the cut), each with ``profile_change``:
its obligations keep their basis, packs judged on the latest profile follow it.

Records never change, so each incident's entries are kept in a bounded cache and only new
records are decoded; corrections are linked per request. A current timeline is kept as
answered while the positions it was read at are the latest (``answers``). Every answer,
kept or read, is in the access log before it is sent (``access_batch``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery

from ledger_api import access, app_state, consistency, examples, moments, scoping, timeline_opening
from ledger_api.app_state import AppState
from ledger_api.auth import Principal, header, roles
from ledger_api.paging import IncidentPath
from ledger_api.problems import ONE, TEXT_CSV, alternatives, attachment
from ledger_api.routes.deadlines import LIVE_STATE
from projector.domain import profile_changes
from projector.domain.facts import Fact
from projector.domain.models import project
from projector.domain.profiles import Registry
from projector.views.answers import Answer, turns
from projector.views.csv_text import csv_bytes
from projector.views.entries import CSV_COLUMNS, Entry, corrected_id, csv_row, linked
from projector.views.profile_entries import merged, profile_entries
from projector.views.summaries import Language, language

_ROWS = """
SELECT position, version, source, recorded_at, record, hash, prev_hash FROM events
WHERE incident_id = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2) ORDER BY version
"""
# The same, with the read models' current status and deadlines on the first row (queried
# once, as a CTE): one round trip for the whole answer.
_ROWS_AND_CURRENT = f"""
WITH current AS (
  SELECT s.last_position, s.doc, (
    SELECT coalesce(jsonb_agg(d.doc || jsonb_build_object('state', {LIVE_STATE})
                              ORDER BY d.due_at, d.ref), '[]'::jsonb)
    FROM deadlines d WHERE d.incident_id = s.incident_id) AS deadlines
  FROM incident_status s WHERE s.incident_id = $1)
SELECT position, version, source, recorded_at, record, hash, prev_hash,
  CASE WHEN version = 1 THEN (SELECT last_position FROM current) END AS current_position,
  CASE WHEN version = 1 THEN (SELECT doc FROM current) END AS current_doc,
  CASE WHEN version = 1 THEN (SELECT deadlines FROM current) END AS current_deadlines
FROM events WHERE incident_id = $1 AND $2::timestamptz IS NULL ORDER BY version
"""
_BY_POSITION = """
SELECT position, version, source, recorded_at, record, hash, prev_hash FROM events
WHERE position = any($1::bigint[]) ORDER BY position
"""


_MEDIA = {"json": "application/json", "ndjson": "application/x-ndjson", "csv": TEXT_CSV}


class Timeline(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str
    as_of: datetime | None
    order: str
    status: dict[str, Any] | None
    deadlines: list[dict[str, Any]]
    entries: list[Entry]


async def _rows(
    conn: asyncpg.Connection, incident_id: str, as_of: datetime | None
) -> list[asyncpg.Record]:
    if as_of is None:
        try:
            return list(await conn.fetch(_ROWS_AND_CURRENT, incident_id, as_of))
        except asyncpg.UndefinedTableError:  # before the projector's first build
            pass
    return list(await conn.fetch(_ROWS, incident_id, as_of))


def _models(
    rows: list[asyncpg.Record],
    as_of: datetime | None,
    facts: list[Fact],
    state: AppState,
    profiles: tuple[Registry, int],
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    first = rows[0]
    if first.get("current_position") == facts[-1].position:
        return msgspec.json.decode(first["current_doc"]), msgspec.json.decode(
            first["current_deadlines"]
        )
    registry, read = profiles
    now = as_of or datetime.now(UTC)
    models = project(facts, now=now, config=state.projector, registry=registry, read=read)
    return msgspec.to_builtins(models.status), msgspec.to_builtins(models.obligations)


async def _profile_entries(
    conn: asyncpg.Connection, facts: list[Fact], lang: Language, state: AppState,
    profiles: tuple[Registry, int],
) -> list[Entry]:  # fmt: skip
    """The entries of the incident's profile changes after its basis, up to the cut."""
    registry, read = profiles
    changes = profile_changes.of_incident(registry, facts, read, state.projector.packs)
    if not changes:
        return []
    rows = await conn.fetch(_BY_POSITION, [c.position for c in changes])
    return profile_entries(changes, rows, lang, state.projector)


async def build(
    conn: asyncpg.Connection,
    incident_id: str,
    as_of: datetime | None,
    lang: Language,
    state: AppState,
) -> Answer | None:
    """The timeline as the ledger holds it, or held it at ``as_of``."""
    rows = await _rows(conn, incident_id, as_of)
    if not rows:
        return None
    pairs = state.timeline_cache.pairs(incident_id, rows, lang, state.projector)
    facts = [f for _, f in pairs]
    profiles = await state.profiles.at(conn, as_of)
    status, deadlines = _models(rows, as_of, facts, state, profiles)
    changes = await _profile_entries(conn, facts, lang, state, profiles)
    found = Timeline(incident_id=incident_id, as_of=as_of, order="recorded", status=status,
                     deadlines=deadlines, entries=merged(linked(pairs), changes))  # fmt: skip
    return Answer(found, pairs)


async def answer_of(
    request: Request[Principal, Any, Any], incident_id: str, as_of: datetime | None,
    lang: Language,
) -> Answer | None:  # fmt: skip
    """A current timeline kept since the positions last moved, or the timeline read now
    (None for an incident unknown or outside the token's scope)."""
    state, pool = app_state.of(request), consistency.reads(request)
    if request.user.scope is not None:
        async with pool.acquire() as conn:
            if not await scoping.covers(conn, request.user, incident_id):
                return None
    seen, now = await state.positions.current(pool), datetime.now(UTC)
    if as_of is None and (kept := state.answers.get(incident_id, lang, seen, now)):
        return kept
    async with pool.acquire() as conn:
        answer = await build(conn, incident_id, as_of, lang, state)
    if answer is not None and as_of is None:
        answer.covers, answer.until = seen, turns(answer.timeline.deadlines, now)
        state.answers.put(incident_id, lang, answer)
    return answer


async def opened_answer(request: Request[Principal, Any, Any], answer: Answer) -> Answer:
    """``answer`` as an auditor reads it, its sealed personal values opened (a copy: what
    is kept between requests holds the tokens only)."""
    return await timeline_opening.opened(request, answer, _body(answer, "recorded", "json"))


def _body(answer: Answer, order: str, format: str) -> bytes:
    """The answer encoded as asked (each encoding kept with the answer)."""
    if (order, format) in answer.bodies:
        return answer.bodies[order, format]
    found: Timeline = answer.timeline
    if order == "occurred":
        entries = sorted(found.entries, key=lambda e: (e.occurred_at, e.position))
        found = msgspec.structs.replace(found, order="occurred", entries=entries)
    if format == "ndjson":
        body = b"".join(msgspec.json.encode(e) + b"\n" for e in found.entries)
    elif format == "csv":
        fixes = {e.position: corrected_id(f) for e, f in answer.pairs}
        rows = (csv_row(e, fixes.get(e.position)) for e in found.entries)
        body = csv_bytes(CSV_COLUMNS, rows)
    else:
        body = msgspec.json.encode(found)  # bytes: Litestar passes them straight through
    answer.bodies[order, format] = body
    return body


@get(
    "/v1/incidents/{incident_id:str}/timeline",
    opt=roles("auditor"),
    tags=["timelines"],
    responses=ONE | examples.ok(Timeline, examples.TIMELINE),
    operation_class=alternatives("application/x-ndjson", "text/csv"),
    summary="An incident's full timeline, now or as of a past instant",
)
async def timeline(
    request: Request[Principal, Any, Any],
    state: AppState,
    incident_id: IncidentPath,
    as_of: Annotated[str | None, moments.date_time("what the ledger held then")] = None,
    order: FromQuery[Literal["recorded", "occurred"]] = "recorded",
    format: FromQuery[Literal["json", "ndjson", "csv"]] = "json",
) -> Response[Any]:
    at = moments.as_of("as_of", as_of)
    lang = language(header(request.scope["headers"], b"accept-language"))
    answer = await answer_of(request, incident_id, at, lang)
    logged = access.values(request, "timeline", incident_id)
    await state.access_writer.record(logged, 404 if answer is None else 200)
    if answer is None:
        raise NotFoundException(f"incident {incident_id!r} has no recorded events")
    headers: dict[str, str] = {"Content-Language": lang}
    if format == "csv":
        headers |= attachment(f"{incident_id}-timeline.csv")
        body = _body(await opened_answer(request, answer), order, format)
    else:  # the bytes kept with the answer, their tokens opened for this request
        body = await timeline_opening.opened_json(
            request, _body(answer, order, format), incident_id
        )
    return Response(body, media_type=_MEDIA[format], headers=headers)
