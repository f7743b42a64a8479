"""Denied reads are in the access log too: a role refused an audited read is recorded
with who tried, what, the parameters and 403; a revoked token's attempt as its holder's
with 401. An unknown token names no one and is not written (anyone could fill the
append-only log with them)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ledger_api import token_store as tokens
from tests.integration.api_story import Story

pytestmark = pytest.mark.integration


async def _log(told: Story) -> list[dict[str, Any]]:
    response = await told.get("/v1/access-log", role="admin", limit=500)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def _holder(told: Story, role: str) -> tokens.Holder:
    async with told.pool.acquire() as conn:
        holder = await tokens.holder_of(conn, told.keys[role])
    assert holder is not None
    return holder


async def test_a_role_refused_an_audited_read_is_logged_with_403(told: Story) -> None:
    some = (await told.get("/v1/incidents", limit=1)).json()["items"][0]["incident_id"]
    clerk, publisher = await _holder(told, "clerk"), await _holder(told, "publisher")
    tried = await told.get(f"/v1/incidents/{some}/timeline", role="clerk", format="csv")
    assert tried.status_code == 403
    assert (await told.get("/v1/losses", role="publisher")).status_code == 403
    assert (await told.get("/v1/access-log", role="auditor")).status_code == 403
    assert (await told.get("/v1/rejections", role="clerk")).status_code == 403
    logged = [(e["token_id"], e["action"], e["resource"], e["params"], e["status"])
              for e in await _log(told) if e["status"] == 403]  # fmt: skip
    auditor = str((await _holder(told, "auditor")).token_id)
    assert logged == [
        (str(clerk.token_id), "rejections", "all", {}, 403),
        (auditor, "access_log", "access_log", {}, 403),
        (str(publisher.token_id), "loss_run", "losses", {}, 403),
        (str(clerk.token_id), "timeline", some, {"format": "csv"}, 403),
    ]


async def test_a_refusal_outside_the_audited_reads_is_not_logged(told: Story) -> None:
    assert (await told.get("/v1/incidents", role="publisher")).status_code == 403
    assert [e for e in await _log(told) if e["status"] == 403] == []


async def test_a_revoked_token_is_logged_as_its_holder_and_an_unknown_one_not_at_all(
    told: Story,
) -> None:
    auditor = await _holder(told, "auditor")
    async with told.pool.acquire() as conn:
        assert await tokens.revoke(conn, auditor.token_id)
    told.keys["stranger"] = "led_" + uuid.uuid4().hex
    for role in ("auditor", "stranger"):
        response = await told.get("/v1/incidents/X-1/timeline", role=role)
        assert response.status_code == 401
    refused = [e for e in await _log(told) if e["status"] == 401]
    assert [(e["token_id"], e["role"], e["resource"]) for e in refused] == [
        (str(auditor.token_id), "auditor", "X-1")
    ]


async def test_a_refused_loss_triangle_is_logged_as_one(told: Story) -> None:
    publisher = await _holder(told, "publisher")
    assert (await told.get("/v1/losses/triangle", role="publisher")).status_code == 403
    logged = [(e["token_id"], e["action"], e["resource"], e["status"])
              for e in await _log(told) if e["status"] == 403]  # fmt: skip
    assert logged == [(str(publisher.token_id), "loss_triangle", "losses", 403)]
