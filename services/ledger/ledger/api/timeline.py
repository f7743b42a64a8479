"""Incident timelines for auditors: now, or exactly as the ledger held them at ``as_of``.

Each entry carries its hash and the link to the incident's previous record, a one-line
summary (``Accept-Language`` picks English or Chinese), a ``backdated`` flag and the
corrections that point at it. With ``as_of``, status and deadlines come from the
projector's own pure folds over the entries, judged at that instant; without it, from the
read models when they have caught up with the incident (else from the same folds).

Records never change, so each incident's entries are kept in a bounded cache and only new
records are decoded; corrections are linked per request.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter

from contracts.events import EventCorrected
from ledger.api import access, examples
from ledger.api.auth import Principal, roles
from ledger.api.deadlines import LIVE_STATE
from ledger.api.paging import IncidentPath, aware
from ledger.api.problems import ONE, alternatives
from ledger.api.summaries import Language, language, summary
from ledger.api.tabular import csv_bytes
from projector.facts import Fact, event_bytes, from_event
from projector.models import Config, project

_ROWS = f"""
WITH logged AS ({access.INSERT_FOR_INCIDENT})
SELECT position, version, source, recorded_at, record, hash, prev_hash FROM events
WHERE incident_id = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2) ORDER BY version
"""
# The same, with the read models' current status and deadlines on the first row (queried
# once, as a CTE): one round trip for the whole answer.
_ROWS_AND_CURRENT = f"""
WITH logged AS ({access.INSERT_FOR_INCIDENT}),
current AS (
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
CSV_COLUMNS = (
    "position", "version", "type", "occurred_at", "recorded_at", "actor_id", "actor_name",
    "actor_role", "source", "summary", "backdated", "corrects_event_id", "event_id", "hash",
    "prev_hash",
)  # fmt: skip


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    version: int
    event_id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: dict[str, str]
    source: str
    summary: str
    backdated: bool
    hash: str
    prev_hash: str | None
    corrects: int | None = None  # the position of the entry this one corrects
    corrected_by: list[int] = []
    event: msgspec.Raw  # the event exactly as recorded


class Timeline(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str
    as_of: datetime | None
    order: str
    status: dict[str, Any] | None
    deadlines: list[dict[str, Any]]
    entries: list[Entry]


class Cache:
    """Each incident's entries and facts in version order, by language, for the incidents
    read most recently. Records never change, so a cached list is extended by the new
    records only, and cut for ``as_of`` views; it is checked against the rows' positions."""

    def __init__(self, incidents: int = 2_000) -> None:
        self.size = incidents
        self._kept = OrderedDict[tuple[str, str], list[tuple[Entry, Fact]]]()

    def pairs(
        self, incident_id: str, rows: list[Any], lang: Language, config: Config
    ) -> list[tuple[Entry, Fact]]:
        key = (incident_id, lang)
        known = self._kept.get(key, [])
        usable = min(len(known), len(rows))
        if usable and known[usable - 1][0].position != rows[usable - 1]["position"]:
            usable = 0  # not the history it was: rebuilt from the rows
        pairs = known[:usable] + [entry(r, lang, config) for r in rows[usable:]]
        if len(pairs) >= len(known):
            self._kept[key] = pairs
        if key in self._kept:
            self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return pairs


def entry(row: Any, lang: Language, config: Config) -> tuple[Entry, Fact]:
    raw = event_bytes(row["record"])
    fact = from_event(row["position"], row["version"], row["recorded_at"], raw)
    env = fact.envelope
    made = Entry(
        position=fact.position,
        version=fact.version,
        event_id=str(env.event_id),
        type=env.type,
        occurred_at=env.occurred_at,
        recorded_at=fact.recorded_at,
        actor={"id": env.actor.id, "name": env.actor.name, "role": env.actor.role},
        source=row["source"],
        summary=summary(env.type, env.payload, lang),
        backdated=fact.recorded_at - env.occurred_at > config.backdated_after,
        hash=row["hash"].hex(),
        prev_hash=None if row["prev_hash"] is None else row["prev_hash"].hex(),
        event=raw,
    )
    return made, fact


def corrected_id(fact: Fact) -> str | None:
    payload = fact.envelope.payload
    return str(payload.corrects_event_id) if isinstance(payload, EventCorrected) else None


def linked(pairs: list[tuple[Entry, Fact]]) -> list[Entry]:
    """Corrections joined to the entries they correct, both ways."""
    fixes = [(e.position, c) for e, f in pairs if (c := corrected_id(f))]
    if not fixes:
        return [e for e, _ in pairs]
    by_id = {e.event_id: e.position for e, _ in pairs}
    targets = {pos: by_id.get(str(target)) for pos, target in fixes}
    backwards: dict[int, list[int]] = {}
    for pos, target in sorted(targets.items()):
        if target is not None:
            backwards.setdefault(target, []).append(pos)
    return [
        msgspec.structs.replace(
            e, corrects=targets.get(e.position), corrected_by=backwards.get(e.position, [])
        )
        if e.position in targets or e.position in backwards
        else e
        for e, _ in pairs
    ]


def csv_row(e: Entry, corrects: str | None = None) -> list[Any]:
    return [
        e.position, e.version, e.type, e.occurred_at.isoformat(), e.recorded_at.isoformat(),
        e.actor["id"], e.actor["name"], e.actor["role"], e.source, e.summary, e.backdated,
        corrects or "", e.event_id, e.hash, e.prev_hash or "",
    ]  # fmt: skip


async def _rows(
    conn: asyncpg.Connection, incident_id: str, as_of: datetime | None, logged: list[Any]
) -> list[asyncpg.Record]:
    if as_of is None:
        try:
            return list(await conn.fetch(_ROWS_AND_CURRENT, incident_id, as_of, *logged))
        except asyncpg.UndefinedTableError:  # before the projector's first build
            pass
    return list(await conn.fetch(_ROWS, incident_id, as_of, *logged))


def _models(
    rows: list[asyncpg.Record], as_of: datetime | None, facts: list[Fact], config: Config
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    first = rows[0]
    if first.get("current_position") == facts[-1].position:
        return msgspec.json.decode(first["current_doc"]), msgspec.json.decode(
            first["current_deadlines"]
        )
    models = project(facts, now=as_of or datetime.now(UTC), config=config)
    return msgspec.to_builtins(models.status), msgspec.to_builtins(models.obligations)


async def build(
    conn: asyncpg.Connection, request: Request[Principal, Any, Any], incident_id: str,
    as_of: datetime | None, lang: Language, state: State,
) -> tuple[Timeline, list[tuple[Entry, Fact]]] | None:  # fmt: skip
    """The timeline, and its reading recorded in the access log in the same statement."""
    rows = await _rows(conn, incident_id, as_of, access.values(request, "timeline", incident_id))
    if not rows:
        return None
    pairs = state.timeline_cache.pairs(incident_id, rows, lang, state.projector)
    facts = [f for _, f in pairs]
    status, deadlines = _models(rows, as_of, facts, state.projector)
    found = Timeline(incident_id=incident_id, as_of=as_of, order="recorded", status=status,
                     deadlines=deadlines, entries=linked(pairs))  # fmt: skip
    return found, pairs


@get(
    "/v1/incidents/{incident_id:str}/timeline",
    guards=[roles("auditor")],
    tags=["timelines"],
    responses=ONE | examples.ok(Timeline, examples.TIMELINE),
    operation_class=alternatives("application/x-ndjson", "text/csv"),
    summary="An incident's full timeline, now or as of a past instant",
)
async def timeline(
    request: Request[Principal, Any, Any],
    state: State,
    incident_id: IncidentPath,
    as_of: Annotated[
        datetime | None, QueryParameter(description="what the ledger held then")
    ] = None,
    order: FromQuery[Literal["recorded", "occurred"]] = "recorded",
    format: FromQuery[Literal["json", "ndjson", "csv"]] = "json",
) -> Response[Any]:
    aware(as_of=as_of)
    lang = language(request.headers.get("accept-language"))
    async with state.pool.acquire() as conn:
        built = await build(conn, request, incident_id, as_of, lang, state)
    if built is None:
        raise NotFoundException(f"incident {incident_id!r} has no recorded events")
    found, pairs = built
    if order == "occurred":
        entries = sorted(found.entries, key=lambda e: (e.occurred_at, e.position))
        found = msgspec.structs.replace(found, order="occurred", entries=entries)
    headers: dict[str, str] = {"Content-Language": lang}
    if format == "ndjson":
        body = b"".join(msgspec.json.encode(e) + b"\n" for e in found.entries)
        return Response(body, media_type="application/x-ndjson", headers=headers)
    if format == "csv":
        fixes = {e.position: corrected_id(f) for e, f in pairs}
        body = csv_bytes(CSV_COLUMNS, (csv_row(e, fixes[e.position]) for e in found.entries))
        headers["Content-Disposition"] = f'attachment; filename="{incident_id}-timeline.csv"'
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    body = msgspec.json.encode(found)  # encoded here: Litestar passes bytes straight through
    return Response(body, media_type="application/json", headers=headers)
