"""Who may call what: the role matrix for every endpoint, and what clerks see redacted.
Reports and claim packs carry what regulators and insurers ask for."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from collections.abc import AsyncIterator

import asyncpg
import pypdf
import pytest
from nats.aio.client import Client

from tests.integration.api_story import Story, claim, outage, story

pytestmark = pytest.mark.integration

INCIDENT = "ROLE-1"
READS = [
    "/v1/incidents",
    f"/v1/incidents/{INCIDENT}",
    f"/v1/incidents/{INCIDENT}/deadlines",
    "/v1/deadlines",
    "/v1/losses",
    f"/v1/incidents/{INCIDENT}/report",
    f"/v1/incidents/{INCIDENT}/claim-pack",
]
MATRIX = {
    **{path: {"auditor", "clerk"} for path in READS},
    f"/v1/incidents/{INCIDENT}/timeline": {"auditor"},
    "/v1/access-log": {"admin"},
    "/v1/tokens": {"admin"},
}


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Story]:
    async for value in story(pool, nc):
        await value.append(outage(INCIDENT, minutes_ago=20), claim(INCIDENT, reserve=9_900))
        await value.project()
        yield value


async def test_each_endpoint_answers_exactly_its_roles(told: Story) -> None:
    for path, allowed in MATRIX.items():
        for role in ("publisher", "auditor", "clerk", "admin"):
            response = await told.get(path, role=role)
            expected = 200 if role in allowed else 403
            assert response.status_code == expected, (path, role, response.text[:200])
    post = await told.client.post("/v1/events", content=b"{}", headers=told.as_("auditor"))
    assert post.status_code == 403


async def test_a_regulator_report_lists_what_the_stage_needs(told: Story) -> None:
    body = (
        await told.get(f"/v1/incidents/{INCIDENT}/report", policy="gdpr", stage="initial")
    ).json()
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["kind"]["value"] == "system_outage"
    assert fields["contact"]["supplied"] is False
    assert body["site"]["name"] == "营业厅 service hall"
    html = await told.get(f"/v1/incidents/{INCIDENT}/report", format="html", role="clerk")
    assert html.headers["content-type"].startswith("text/html")
    assert "现场 Site and location" in html.text


async def test_report_parameters_are_checked(told: Story) -> None:
    for params, name in (({"policy": "nope"}, "policy"), ({"stage": "initial"}, "stage"),
                         ({"policy": "gdpr", "stage": "final"}, "stage")):  # fmt: skip
        response = await told.get(f"/v1/incidents/{INCIDENT}/report", **params)
        assert response.status_code == 400, params
        assert name in response.json()["detail"]


async def test_a_claim_pack_holds_every_file_with_its_hash(told: Story) -> None:
    auditor = await told.get(f"/v1/incidents/{INCIDENT}/claim-pack")
    clerk = await told.get(f"/v1/incidents/{INCIDENT}/claim-pack", role="clerk")
    with zipfile.ZipFile(io.BytesIO(auditor.content)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        claims = json.loads(archive.read("losses.json"))["claims"]
        printed = pypdf.PdfReader(io.BytesIO(archive.read("report.pdf")))
    assert names == {"report.pdf", "timeline.json", "timeline.csv", "losses.json",
                     "evidence.csv", "deadlines.json", "manifest.json"}  # fmt: skip
    assert INCIDENT in printed.pages[0].extract_text()
    assert set(manifest["files"]) == names - {"manifest.json"}
    assert claims[0]["claimant"] == "张三 Zhang San"
    with zipfile.ZipFile(io.BytesIO(clerk.content)) as archive:
        assert "张三" not in archive.read("timeline.json").decode()
        assert json.loads(archive.read("manifest.json"))["personal_data"] == "redacted"


async def test_an_admin_hands_out_and_revokes_tokens(told: Story) -> None:
    """Given a token an admin created, when it is revoked, then it stops working within
    the 2 seconds a known token is trusted, and both acts are in the access log."""
    made = await told.client.post(
        "/v1/tokens", json={"role": "clerk", "name": "claims desk"}, headers=told.as_("admin")
    )
    assert made.status_code == 201, made.text
    secret, token_id = made.json()["secret"], made.json()["token"]["token_id"]
    desk = {"Authorization": f"Bearer {secret}"}
    assert (await told.client.get("/v1/incidents", headers=desk)).status_code == 200
    gone = await told.client.delete(f"/v1/tokens/{token_id}", headers=told.as_("admin"))
    assert gone.status_code == 204
    await asyncio.sleep(2.1)
    assert (await told.client.get("/v1/incidents", headers=desk)).status_code == 401
    again = await told.client.delete(f"/v1/tokens/{token_id}", headers=told.as_("admin"))
    assert again.status_code == 404
    actions = [
        e["action"] for e in (await told.get("/v1/access-log", role="admin")).json()["items"]
    ]
    assert {"token_create", "token_revoke"} <= set(actions)
