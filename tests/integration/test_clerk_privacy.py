"""A clerk sees no personal data anywhere. Given an incident whose every personal field
holds a distinctive value (reporter, casualty, claimant, the person an action concerned,
a notification's recipient, the acting agent's name), published over NATS and recorded
by the ingest, then projected, when a clerk calls every endpoint of the API and opens
every page of the console (found from the routes, so a new one is walked too; those not
admitting clerks answer with a refusal) in every format, and opens every artifact (the
claim pack's files, the XLSX loss run, the PDF report's text read back), then none of the
values appears; an auditor reading the same does see them."""

from __future__ import annotations

import io
import re
import typing
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import openpyxl
import pypdf
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.response import ServerSentEvent
from msgspec.structs import astuple
from nats.aio.client import Client

from contracts import builders
from contracts.enums import (
    ActionCategory,
    IncidentKind,
    NotifyChannel,
    RecipientRole,
    ReportChannel,
)
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from contracts.levels import Basis, CasualtySeverity, LossCategory
from contracts.publisher import Publisher
from contracts.topology import Topology
from ledger_api.app import create_app
from plumbing import db
from projector.follow import runner
from tests.integration.api_story import _config
from tests.integration.conftest import wait_for_count
from tests.integration.test_api import bearer, http
from tests.support import MASTER

pytestmark = pytest.mark.integration
INCIDENT = f"PRIV-{uuid.uuid4().hex[:8]}"
SOURCE = "privacy"


def _person(role: str) -> Personal:
    return Personal(
        name=f"PIIname{role}Q", phone=f"PIIphone{role}Q", id_number=f"PIIid{role}Q",
        address=f"PIIaddress{role}Q", employer=f"PIIemployer{role}Q", note=f"PIInote{role}Q",
    )  # fmt: skip


def _events() -> list[Envelope]:
    env: dict[str, Any] = {
        "incident_id": INCIDENT,
        "source": SOURCE,
        "actor": Actor(id="agent-9", name="PIIactorQ", role="agent"),
    }
    return [
        builders.report_incident(
            kind=IncidentKind.FIRE, title="kitchen fire",
            site=Site(name="canteen", location_code="C-1"), channel=ReportChannel.PHONE,
            personal=_person("reporter"), **env,
        ),
        builders.notify(
            recipient_role=RecipientRole.SUPERVISOR, channel=NotifyChannel.PHONE,
            recipient_name="PIIrecipientQ", **env
        ),
        builders.take_action(category=ActionCategory.EVACUATION, text="cleared",
                             personal=_person("act"), **env),
        builders.record_casualty(count=1, severity=CasualtySeverity.MINOR,
                                 personal=_person("casualty"), **env),
        builders.record_loss(
            loss_id="L1", category=LossCategory.PROPERTY, amount_minor=90_000, currency="CNY",
            basis=Basis.ESTIMATE, insured=True, insurer="Insurer P", policy_ref="POL-P", **env,
        ),
        builders.open_claim(claim_number="CLM-P1", insurer="Insurer P", policy_number="POL-P",
                            currency="CNY", reserve_minor=90_000, personal=_person("claimant"),
                            **env),
    ]  # fmt: skip


PERSONAL_VALUES = sorted(
    {"PIIactorQ", "PIIrecipientQ"}
    | {str(v) for r in ("reporter", "act", "casualty", "claimant") for v in astuple(_person(r))}
)


def reads(app: Litestar) -> Iterator[tuple[str, HTTPRouteHandler]]:
    """Every GET of the API and every page of the console, with its path template: those
    the app admits clerks to, and the others, whose refusals a clerk reads too (the
    console's assets, which hold no ledger data, aside, and its server-sent event streams,
    which never end and carry read-model positions only)."""
    assets = ("/console/static", "/console/fonts")
    for route in app.routes:
        if not route.path.startswith(("/v1/", "/console")) or route.path.startswith(assets):
            continue
        for handler in getattr(route, "route_handlers", ()):
            returns = handler.fn.__annotations__.get("return")
            streams = returns in (ServerSentEvent, ServerSentEvent.__name__)
            if "GET" in handler.http_methods and not streams:
                yield route.path, handler


def _choices(handler: HTTPRouteHandler, app: Litestar) -> list[dict[str, str]]:
    """The query variants worth walking: each value of every Literal parameter (format,
    order), and each policy pack's stages where the handler takes a stage."""
    hints = typing.get_type_hints(handler.fn, include_extras=True)
    variants: list[dict[str, str]] = [{}]
    for name, hint in hints.items():
        literal = next((a for a in _walk(hint) if typing.get_origin(a) is typing.Literal), None)
        if literal is not None:
            variants += [{name: str(v)} for v in typing.get_args(literal)]
    if "stage" in hints:
        for pack in app.state.projector.packs:
            variants += [{"policy": pack.id, "stage": s} for s in {r.stage for r in pack.rules}]
    return variants


def _walk(hint: Any) -> Iterator[Any]:
    yield hint
    for arg in typing.get_args(hint):
        yield from _walk(arg)


def _pdf(document: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document)).pages)


def texts(response: httpx.Response) -> Iterator[str]:
    """The response's text and, for a zip, a workbook or a PDF, every file's, cell's or
    page's."""
    kind = response.headers.get("content-type", "")
    if "zip" in kind:
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            for name in archive.namelist():
                data = archive.read(name)
                yield _pdf(data) if name.endswith(".pdf") else data.decode("utf-8", "replace")
    elif "pdf" in kind:
        yield _pdf(response.content)
    elif "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        for sheet in book.worksheets:
            yield " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
    else:
        yield response.text


async def _recorded(pool: asyncpg.Pool, nc: Client, topology: Topology) -> None:
    publisher = Publisher(nc, topology)
    for envelope in _events():
        await publisher.publish(envelope)
    assert await wait_for_count(pool, len(_events())) == len(_events())
    async with pool.acquire() as conn:
        generation = await runner.prepare(conn, _config())
        await runner.catch_up(conn, generation, _config())


async def test_no_clerk_readable_endpoint_or_artifact_holds_personal_data(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    await _recorded(ingesting, nc, topology)
    app = create_app(
        ingesting, nc, db.head_revision(), topology, projector=_config(), master_key=MASTER
    )
    clerk, auditor = await bearer(ingesting, "clerk"), await bearer(ingesting, "auditor")
    walked: dict[str, int] = {}
    async with http(app) as client:
        for template, handler in reads(app):
            path = re.sub(r"\{incident_id:\w+\}", INCIDENT, template)
            for params in _choices(handler, app):
                response = await client.get(path, params=params, headers=clerk)
                assert response.status_code < 500, (path, params, response.text)
                walked[f"{path} {params}"] = response.status_code
                for text in texts(response):
                    leaked = [v for v in PERSONAL_VALUES if v in text]
                    assert not leaked, (path, params, leaked)
        seen = ""
        for path in (f"/v1/incidents/{INCIDENT}/claim-pack", "/v1/losses"):
            seen += "".join(texts(await client.get(path, headers=auditor)))
    # the walk read real answers: the incident, its deadlines, the loss run in each
    # format, reports and the claim pack all answered 200
    for expected in ("claim-pack", "/report", "/report {'format': 'pdf'}", "/deadlines",
                     "/v1/losses {'format': 'xlsx'}"):  # fmt: skip
        assert any(expected in k and s == 200 for k, s in walked.items()), (expected, walked)
    assert walked[f"/v1/incidents/{INCIDENT} {{}}"] == 200
    assert walked[f"/v1/incidents/{INCIDENT}/timeline {{}}"] == 403
    assert walked[f"/console/incidents/{INCIDENT} {{}}"] == 200
    assert walked["/console/incidents {}"] == 200
    assert {"PIInamereporterQ", "PIInameclaimantQ", "PIIactorQ", "PIIrecipientQ"} <= {
        v for v in PERSONAL_VALUES if v in seen
    }  # the auditor sees them: the values were there to leak
