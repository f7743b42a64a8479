"""The console's desk pages over a small ledger. Given the API tests' story (every
scenario recorded and projected), when a signed-in reader opens the deadline board, the
losses or (an admin) the tokens and the access log, then each shows what the API reads,
with its filters; a clerk's losses name no person; token forms need their CSRF
token; and ``/schema`` names no asset outside the ledger."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.aio.client import Client

from tests.integration.api_story import Story, claim, outage, story
from tests.integration.test_console_session import _CSRF, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Story]:
    async for value in story(pool, nc):
        await value.append(outage("OUT-9", minutes_ago=3), claim("OUT-9", 250_000))
        await value.project()
        yield value


async def test_the_board_lists_unmet_deadlines_soonest_first(told: Story) -> None:
    await sign_in(told.client, told.keys["auditor"])
    board = await told.client.get("/console/deadlines")
    assert board.status_code == 200, board.text
    assert "/console/incidents/OUT-9" in board.text
    dues = re.findall(r'data-due="([^"]+)"', board.text)
    assert dues
    assert dues == sorted(dues)
    states = set(re.findall(r'data-state="([^"]+)"', board.text))
    assert states <= {"pending", "due_soon", "paused", "missed"}
    missed = await told.client.get("/console/deadlines/rows", params={"state": "missed"})
    assert set(re.findall(r'data-state="([^"]+)"', missed.text)) == {"missed"}
    none = await told.client.get("/console/deadlines/rows", params={"policy": "nope"})
    assert "data-due" not in none.text
    for asked in ({"state": "late"}, {"state": "x" * 51}, {"cursor": "not-a-cursor"}):
        bad = await told.client.get("/console/deadlines", params=asked)
        assert bad.status_code == 400, asked
        assert bad.headers["content-type"].startswith("text/html"), bad.text  # a page
        (name,) = asked
        assert f"“{name}”" in bad.text, bad.text  # named


async def test_a_clerk_sees_the_loss_run_without_a_person(told: Story) -> None:
    await sign_in(told.client, told.keys["clerk"])
    losses = await told.client.get("/console/losses", params={"by": "site"})
    assert losses.status_code == 200, losses.text
    assert "张三" not in losses.text
    assert "<svg" in losses.text
    assert "CNY" in losses.text
    assert "/v1/incidents/OUT-9/claim-pack" in losses.text
    csv = await told.client.get("/v1/losses", params={"format": "csv"})
    assert csv.status_code == 200
    assert "CLM-OUT-9" in csv.text
    assert "张三" not in csv.text
    logged = await told.get("/v1/access-log", role="admin", resource="console/losses")
    assert [e["role"] for e in logged.json()["items"]] == ["clerk"]


async def test_an_admin_creates_and_revokes_a_token(told: Story) -> None:
    await sign_in(told.client, told.keys["admin"])
    page = await told.client.get("/console/admin")
    csrf = _CSRF.search(page.text)
    assert csrf is not None
    form = {"_csrf_token": csrf[1], "name": "desk <i>", "role": "clerk"}
    refused = await told.client.post("/console/admin/tokens", data=form | {"_csrf_token": "x"})
    assert refused.status_code == 403
    made = await told.client.post("/console/admin/tokens", data=form)
    assert made.status_code == 201, made.text
    secret = re.search(r'id="new-secret">([^<]+)<', made.text)
    assert secret is not None
    assert "desk &lt;i&gt;" in made.text
    listed = (await told.get("/v1/tokens", role="admin")).json()["items"]
    token_id = next(t["token_id"] for t in listed if t["name"] == "desk <i>")
    gone = await told.client.post(f"/console/admin/tokens/{token_id}/revoke", data=form)
    assert gone.status_code == 303
    answer = await told.client.get(
        "/v1/deadlines", headers={"Authorization": f"Bearer {secret[1]}"}
    )
    assert answer.status_code == 401
    publisher = await told.client.post("/console/admin/tokens", data=form | {"role": "publisher"})
    assert publisher.status_code == 400
    assert "source" in publisher.text
    log = await told.client.get("/console/admin/access", params={"action": "token_revoke"})
    assert log.status_code == 200
    assert "token_revoke" in log.text


async def test_a_clerk_may_not_open_the_admin_pages(told: Story) -> None:
    await sign_in(told.client, told.keys["clerk"])
    assert (await told.client.get("/console/admin")).status_code == 403


async def test_the_schema_page_loads_its_ui_from_the_ledger(told: Story) -> None:
    ui = await told.client.get("/schema")
    assert ui.status_code == 200
    assets = re.findall(r'(?:src|href)=["\']([^"\']+)["\']', ui.text)
    assert assets
    assert all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert (await told.client.get(asset)).status_code == 200, asset
