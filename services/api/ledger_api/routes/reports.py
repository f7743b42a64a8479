"""``GET /v1/incidents/{id}/report``: a regulator's or superior's report, JSON, printable
HTML or PDF, and ``GET /v1/incidents/{id}/claim-pack``: the zip an insurer asks for, with
the report as a PDF."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, QueryParameter

from ledger_api import access, examples, report_reads, scoping
from ledger_api.app_state import AppState
from ledger_api.auth import READERS, Principal, roles, sees_personal_data
from ledger_api.disclosure import disclosed, opener
from ledger_api.paging import BadParameter, IncidentPath
from ledger_api.problems import APPLICATION_PDF, ONE, TEXT_HTML, alternatives, attachment
from projector.domain.deadlines import Pack
from projector.domain.facts import Fact, from_record
from projector.domain.models import Config, project
from projector.views import claimpack, printable, report_pdf, report_text
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


class Asked(msgspec.Struct, frozen=True):
    """What a reader asked of a report: which pack's stage (none: every deadline, the
    plans' headings only) and in which language (none: ``Accept-Language``, else both)."""

    pack: Pack | None = None
    stage: str | None = None
    lang: Language | None = None


async def content(
    conn: asyncpg.Connection, request: Request[Principal, Any, Any], state: AppState,
    incident_id: str, asked: Asked,
) -> Report:  # fmt: skip
    """The incident's report as ``request``'s reader may see it, now."""
    facts = await disclosed(request, await facts_of(conn, incident_id))
    registry, read = await state.profiles.at(conn, None)
    tie = await report_reads.tie(conn, incident_id, facts[-1])
    now = datetime.now(UTC)
    models = project(facts, now=now, config=state.projector, registry=registry, read=read)
    language = report_reads.reader_language(request, asked.lang)
    reader = Reader(language, report_text.zone(registry, facts))
    return build(facts, models, asked.pack, asked.stage, now, reader=reader, ledger=tie)


@get(
    "/v1/incidents/{incident_id:str}/report",
    opt=roles(*READERS),
    tags=["reports"],
    responses=ONE | examples.ok(Report, examples.REPORT),
    operation_class=alternatives(TEXT_HTML, APPLICATION_PDF),
    summary="A report's content: the plans' headings and the fields the policy's stage names",
)
async def report(
    request: Request[Principal, Any, Any],
    state: AppState,
    incident_id: IncidentPath,
    policy: Annotated[str | None, QueryParameter(max_length=100, description="pack id")] = None,
    stage: Annotated[str | None, QueryParameter(max_length=100)] = None,
    format: FromQuery[Literal["json", "html", "pdf"]] = "json",
    lang: Annotated[
        Language | None,
        QueryParameter(description="en or zh; default: Accept-Language, else both"),
    ] = None,
) -> Response[Any]:
    asked = Asked(_pack(state.projector, policy, stage), stage, lang)
    async with state.pool.acquire() as conn:
        await scoping.admit(conn, request.user, incident_id, _unknown(incident_id))
        document = await content(conn, request, state, incident_id, asked)
        await access.record(conn, request, "report", incident_id)
    if format == "html":
        return Response(printable.html(document), media_type=TEXT_HTML)
    if format == "pdf":
        body = await asyncio.to_thread(report_pdf.pdf, document)  # a second of CPU: off the loop
        name = f"{incident_id}-report.pdf"
        return Response(body, media_type=APPLICATION_PDF, headers=attachment(name))
    return Response(document)


@get(
    "/v1/incidents/{incident_id:str}/claim-pack",
    opt=roles(*READERS),
    tags=["claims"],
    responses=ONE
    | examples.ok(
        bytes,
        "PK…",
        "A zip: report, timeline, losses, evidence, deadlines, manifest",
        "application/zip",
    ),
    summary="A zip for the insurer: report, timeline, losses, evidence with hashes, deadlines",
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
        document = await content(conn, request, state, incident_id, Asked())
        await access.record(conn, request, "claim_pack", incident_id)
        personal = sees_personal_data(request.user)
        shown = None
        if personal:
            texts = (r["record"] for r in rows)
            shown = await opener(conn, state.master_key, texts, incident_id, state.opened_cache)
    printed = await asyncio.to_thread(report_pdf.pdf, document)
    body = claimpack.zipped(
        rows, state.projector, datetime.now(UTC), personal=personal, profiles=profiles,
        shown=shown, report=printed,
    )  # fmt: skip
    name = f"{incident_id}-claim-pack.zip"
    return Response(body, media_type="application/zip", headers=attachment(name))
