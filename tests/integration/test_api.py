"""The HTTP API: health, readiness, and timelines behind bearer tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any, cast

import asyncpg
import httpx
import pytest
from litestar import Litestar
from nats.aio.client import Client

from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db
from plumbing.settings import DatabaseSettings
from tests import seeding
from tests.support import note_envelope

pytestmark = pytest.mark.integration


_Scope = MutableMapping[str, Any]
_ASGIApp = Callable[
    [_Scope, Callable[[], Awaitable[_Scope]], Callable[[_Scope], Awaitable[None]]], Awaitable[None]
]


def http(app: Litestar) -> httpx.AsyncClient:
    """A client calling the app in this event loop, where its pool lives. httpx spells an
    ASGI scope as a mutable mapping, Litestar as typed dicts: the same dicts at run time,
    which mypy cannot match, hence the one cast."""
    transport = httpx.ASGITransport(app=cast(_ASGIApp, app))
    return httpx.AsyncClient(transport=transport, base_url="http://ledger")


@pytest.fixture
async def client(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[httpx.AsyncClient]:
    async with http(create_app(pool, nc, db.head_revision())) as test_client:
        yield test_client


async def bearer(
    pool: asyncpg.Pool, role: str, sources: tuple[str, ...] = ("desk",)
) -> dict[str, str]:
    """A new token's header; a publisher's publishes as ``sources`` (those of
    ``tests.support.note`` by default)."""
    sources = sources if role == "publisher" else ()
    async with pool.acquire() as conn:
        _, secret = await tokens.create(conn, role=role, name=f"test {role}", sources=sources)
    return {"Authorization": f"Bearer {secret}"}


async def test_health_answers_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "missing": [], "degraded": []}


async def test_ready_when_database_nats_and_migrations_are(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text


async def test_not_ready_names_the_missing_migrations(empty_database_url: str, nc: Client) -> None:
    pool = await db.create_pool(empty_database_url, DatabaseSettings(pool_min=1, pool_max=2))
    try:
        async with http(create_app(pool, nc, db.head_revision())) as client:
            response = await client.get("/ready")
    finally:
        await pool.close()
    assert response.status_code == 503
    assert any(m.startswith("migrations") for m in response.json()["missing"])


async def test_the_timeline_lists_an_incident_in_order(
    client: httpx.AsyncClient, pool: asyncpg.Pool, nc: Client
) -> None:
    async with pool.acquire() as conn:
        await seeding.append(
            conn,
            nc,
            [
                note_envelope("INC-1", "first"),
                note_envelope("INC-2"),
                note_envelope("INC-1", "second"),
            ],
            origin="test",
        )
    response = await client.get(
        "/v1/incidents/INC-1/timeline", headers=await bearer(pool, "auditor")
    )
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert [e["event"]["payload"]["text"] for e in entries] == ["first", "second"]
    assert entries[1]["prev_hash"] == entries[0]["hash"]


async def test_timelines_need_a_valid_token(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/incidents/INC-1/timeline")
    wrong = await client.get(
        "/v1/incidents/INC-1/timeline", headers={"Authorization": "Bearer nope"}
    )
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_a_publisher_may_not_read_timelines(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    response = await client.get(
        "/v1/incidents/INC-1/timeline", headers=await bearer(pool, "publisher")
    )
    assert response.status_code == 403


async def test_an_unknown_incident_is_404(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    response = await client.get(
        "/v1/incidents/NOPE/timeline", headers=await bearer(pool, "auditor")
    )
    assert response.status_code == 404
    assert "NOPE" in response.json()["detail"]


async def test_a_revoked_token_stops_working(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        info, secret = await tokens.create(conn, role="auditor", name="leaver")
        assert await tokens.revoke(conn, info.token_id)
    response = await client.get(
        "/v1/incidents/INC-1/timeline", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 401


async def test_metrics_are_served_for_prometheus(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    for name in (
        "ledger_events_appended_total",
        "ledger_events_rejected_total",
        "ledger_ingest_batch_size",
        "ledger_commit_seconds",
        "ledger_consumer_pending",
    ):
        assert name in response.text
