"""Incident timelines for auditors: now, or exactly as the ledger held them at ``as_of``.

Each entry carries its hash and the link to the incident's previous record, a one-line
summary (``Accept-Language`` picks English or Chinese), a ``backdated`` flag and the
corrections that point at it. Status and deadlines come from the projector's own pure
folds over the same entries, judged at ``as_of`` (or now).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter

from contracts.events import EventCorrected
from ledger.api import access, examples
from ledger.api.auth import Principal, roles
from ledger.api.paging import IncidentPath
from ledger.api.problems import ONE, alternatives
from ledger.api.summaries import Language, language, summary
from ledger.api.tabular import csv_bytes
from projector.facts import Fact, from_record
from projector.models import Config, project

_ROWS = """
SELECT position, version, source, recorded_at, record, hash, prev_hash FROM events
WHERE incident_id = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2) ORDER BY version
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
    event: dict[str, Any]


class Timeline(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str
    as_of: datetime | None
    order: str
    status: dict[str, Any] | None
    deadlines: list[dict[str, Any]]
    entries: list[Entry]


def entry(row: Any, fact: Fact, lang: Language, config: Config) -> Entry:
    env = fact.envelope
    return Entry(
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
        event=msgspec.to_builtins(env),
    )


def linked(entries: list[Entry]) -> list[Entry]:
    """Corrections joined to the entries they correct, both ways."""
    by_id = {e.event_id: e for e in entries}
    fixes: dict[int, list[int]] = {}
    linked = []
    for e in entries:
        target = by_id.get(str(e.event["payload"].get("corrects_event_id", "")))
        if e.type == EventCorrected.TYPE and target is not None:
            fixes.setdefault(target.position, []).append(e.position)
            e = msgspec.structs.replace(e, corrects=target.position)
        linked.append(e)
    return [msgspec.structs.replace(e, corrected_by=fixes.get(e.position, [])) for e in linked]


def csv_row(e: Entry) -> list[Any]:
    corrects = e.event["payload"].get("corrects_event_id") if e.corrects is not None else None
    return [
        e.position, e.version, e.type, e.occurred_at.isoformat(), e.recorded_at.isoformat(),
        e.actor["id"], e.actor["name"], e.actor["role"], e.source, e.summary, e.backdated,
        corrects or "", e.event_id, e.hash, e.prev_hash or "",
    ]  # fmt: skip


async def build(
    conn: Any, incident_id: str, as_of: datetime | None, lang: Language, config: Config
) -> Timeline | None:
    rows = await conn.fetch(_ROWS, incident_id, as_of)
    if not rows:
        return None
    facts = [from_record(r["position"], r["version"], r["recorded_at"], r["record"]) for r in rows]
    entries = linked([entry(r, f, lang, config) for r, f in zip(rows, facts, strict=True)])
    models = project(facts, now=as_of or datetime.now(UTC), config=config)
    return Timeline(
        incident_id=incident_id,
        as_of=as_of,
        order="recorded",
        status=msgspec.to_builtins(models.status),
        deadlines=msgspec.to_builtins(models.obligations),
        entries=entries,
    )


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
    lang = language(request.headers.get("accept-language"))
    async with state.pool.acquire() as conn:
        found = await build(conn, incident_id, as_of, lang, state.projector)
        if found is None:
            raise NotFoundException(f"incident {incident_id!r} has no recorded events")
        await access.record(conn, request, "timeline", incident_id)
    if order == "occurred":
        entries = sorted(found.entries, key=lambda e: (e.occurred_at, e.position))
        found = msgspec.structs.replace(found, order="occurred", entries=entries)
    headers: dict[str, str] = {"Content-Language": lang}
    if format == "ndjson":
        body = b"".join(msgspec.json.encode(e) + b"\n" for e in found.entries)
        return Response(body, media_type="application/x-ndjson", headers=headers)
    if format == "csv":
        body = csv_bytes(CSV_COLUMNS, (csv_row(e) for e in found.entries))
        headers["Content-Disposition"] = f'attachment; filename="{incident_id}-timeline.csv"'
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    return Response(found, headers=headers)
