"""``GET /v1/incidents/{id}/report``: a regulator's or superior's report, JSON or printable
HTML, and ``GET /v1/incidents/{id}/claim-pack``: the zip an insurer asks for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter

from ledger_api import access, examples, report_reads, scoping
from ledger_api.app_state import AppState
from ledger_api.auth import READERS, Principal, roles, sees_personal_data
from ledger_api.disclosure import disclosed, opener
from ledger_api.paging import BadParameter, IncidentPath
from ledger_api.problems import ONE, TEXT_HTML, alternatives
from projector.domain.deadlines import Pack
from projector.domain.facts import Fact, from_record
from projector.domain.models import Config, project
from projector.views import claimpack, printable, report_text
from projector.views.catalogue import Language
from projector.views.reporting import Reader, Report, build

_FACTS = """
SELECT position, version, recorded_at, record FROM events WHERE incident_id = $1
ORDER BY position
"""


def _unknown(incident_id: str) -> str:
    return f"incident {incident_id!r} has no recorded events"


async def facts_of(conn: asyncpg.Connection, incident_id: str) -> list[Fact]:
    rows = await conn.fetch(_FACTS, incident_id)
    if not rows:
        raise NotFoundException(_unknown(incident_id))
    return [from_record(r["position"], r["version"], r["recorded_at"], r["record"]) for r in rows]


def _pack(config: Config, policy: str | None, stage: str | None) -> Pack | None:
    if policy is None:
        if stage is not None:
            raise BadParameter("stage", "needs a policy")
        return None
    pack = next((p for p in config.packs if p.id == policy), None)
    if pack is None:
        known = ", ".join(sorted(p.id for p in config.packs))
        raise BadParameter("policy", f"no policy pack {policy!r}; known: {known}")
    stages = sorted({r.stage for r in pack.rules})
    if stage is not None and stage not in stages:
        raise BadParameter("stage", f"{policy} has no stage {stage!r}; it has {', '.join(stages)}")
    return pack


@get(
    "/v1/incidents/{incident_id:str}/report",
    opt=roles(*READERS),
    tags=["reports"],
    responses=ONE | examples.ok(Report, examples.REPORT),
    operation_class=alternatives(TEXT_HTML),
    summary="A report's content: the plans' headings and the fields the policy's stage names",
)
async def report(
    request: Request[Principal, Any, Any],
    state: AppState,
    incident_id: IncidentPath,
    policy: Annotated[str | None, QueryParameter(max_length=100, description="pack id")] = None,
    stage: Annotated[str | None, QueryParameter(max_length=100)] = None,
    format: FromQuery[Literal["json", "html"]] = "json",
    lang: Annotated[
        Language | None,
        QueryParameter(description="en or zh; default: Accept-Language, else both"),
    ] = None,
) -> Response[Any]:
    pack = _pack(state.projector, policy, stage)
    async with state.pool.acquire() as conn:
        await scoping.admit(conn, request.user, incident_id, _unknown(incident_id))
        facts = await disclosed(request, await facts_of(conn, incident_id))
        registry, read = await state.profiles.at(conn, None)
        tie = await report_reads.tie(conn, incident_id, facts[-1])
        await access.record(conn, request, "report", incident_id)
    now = datetime.now(UTC)
    models = project(facts, now=now, config=state.projector, registry=registry, read=read)
    reader = Reader(report_reads.reader_language(request, lang), report_text.zone(registry, facts))
    content: Report = build(facts, models, pack, stage, now, reader=reader, ledger=tie)
    if format == "html":
        return Response(printable.html(content), media_type=TEXT_HTML)
    return Response(content)


@get(
    "/v1/incidents/{incident_id:str}/claim-pack",
    opt=roles(*READERS),
    tags=["claims"],
    responses=ONE
    | examples.ok(
        bytes, "PK…", "A zip: timeline, losses, evidence, deadlines, manifest", "application/zip"
    ),
    summary="A zip for the insurer: timeline, losses, evidence with hashes, deadline record",
    media_type="application/zip",
)
async def claim_pack(
    request: Request[Principal, Any, Any], state: AppState, incident_id: IncidentPath
) -> Response[bytes]:
    async with state.pool.acquire() as conn:
        await scoping.admit(conn, request.user, incident_id, _unknown(incident_id))
        rows = await conn.fetch(
            "SELECT position, version, source, recorded_at, record, hash, prev_hash"
            " FROM events WHERE incident_id = $1 ORDER BY position",
            incident_id,
        )
        if not rows:
            raise NotFoundException(_unknown(incident_id))
        profiles = await state.profiles.at(conn, None)
        await access.record(conn, request, "claim_pack", incident_id)
        personal = sees_personal_data(request.user)
        shown = None
        if personal:
            shown = await opener(conn, state.master_key, (r["record"] for r in rows))
    body = claimpack.zipped(
        rows, state.projector, datetime.now(UTC), personal=personal, profiles=profiles,
        shown=shown,
    )  # fmt: skip
    name = f"{incident_id}-claim-pack.zip"
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
