"""POST /v1/events: events recorded through the leading sequencer, each with its outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from ledger import db
from ledger.api.app import create_app
from tests.integration.test_api import bearer, http
from tests.support import note

pytestmark = pytest.mark.integration


@pytest.fixture
async def publisher(
    pool: asyncpg.Pool, nc: Client, topology: Topology
) -> AsyncIterator[httpx.AsyncClient]:
    async with http(create_app(pool, nc, db.head_revision(), topology)) as client:
        client.headers.update(await bearer(pool, "publisher"))
        yield client


async def post(client: httpx.AsyncClient, body: Any) -> httpx.Response:
    return await client.post("/v1/events", json=body)


async def test_one_event_is_recorded_and_its_place_returned(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient
) -> None:
    response = await post(publisher, note("INC-1"))
    assert response.status_code == 201, response.text
    (result,) = response.json()["results"]
    assert (result["type"], result["position"], result["version"]) == ("recorded", 1, 1)
    assert await ingesting.fetchval("SELECT hash FROM events") == bytes.fromhex(result["hash"])
    assert response.headers["X-Ledger-Position"] == "1"  # the min_position of a read after it


async def test_sending_it_again_reports_the_original(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient
) -> None:
    event = note("INC-1")
    first = (await post(publisher, event)).json()["results"][0]
    again = await post(publisher, event)
    assert again.status_code == 200
    assert again.json()["results"][0] | {"type": "recorded"} == first


async def test_the_same_id_with_other_content_is_a_conflict(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient
) -> None:
    event = note("INC-1", "first")
    await post(publisher, event)
    response = await post(publisher, event | {"payload": {"text": "changed"}})
    assert response.status_code == 409
    assert response.json()["results"][0]["code"] == "duplicate_conflict"


async def test_racing_writers_on_one_version_one_wins(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient
) -> None:
    await post(publisher, note("INC-1"))
    a, b = await asyncio.gather(
        post(publisher, note("INC-1", "a", expected=1)),
        post(publisher, note("INC-1", "b", expected=1)),
    )
    assert sorted([a.status_code, b.status_code]) == [201, 409]
    loser = a if a.status_code == 409 else b
    result = loser.json()["results"][0]
    assert (result["code"], result["current_version"]) == ("version_conflict", 2)


async def test_a_mixed_batch_reports_each_event(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient
) -> None:
    bad = note("INC-2") | {"occurred_at": "2026-01-01T00:00:00"}
    response = await post(publisher, [note("INC-1"), bad, note("INC-1")])
    assert response.status_code == 207
    kinds = [r["type"] for r in response.json()["results"]]
    assert kinds == ["recorded", "rejected", "recorded"]
    assert response.json()["results"][1]["path"] == "$.occurred_at"
    assert await ingesting.fetchval("SELECT count(*) FROM events") == 2


async def test_a_single_invalid_event_is_422_naming_the_field(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient
) -> None:
    event = note("INC-1")
    del event["actor"]
    response = await post(publisher, event)
    assert response.status_code == 422
    assert response.json()["results"][0]["path"] == "$.actor"


async def test_more_than_a_thousand_events_is_413(publisher: httpx.AsyncClient) -> None:
    response = await post(publisher, [note("INC-1")] * 1001)
    assert response.status_code == 413


async def test_a_body_that_is_not_json_is_400(publisher: httpx.AsyncClient) -> None:
    response = await publisher.post("/v1/events", content=b"{nope")
    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]


async def test_without_a_leading_sequencer_the_answer_is_503(publisher: httpx.AsyncClient) -> None:
    response = await post(publisher, note("INC-1"))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"


async def test_only_publishers_may_append(pool: asyncpg.Pool, nc: Client) -> None:
    async with http(create_app(pool, nc, db.head_revision())) as client:
        response = await client.post(
            "/v1/events", json=note(), headers=await bearer(pool, "auditor")
        )
    assert response.status_code == 403
