"""A hostile publisher over HTTP (property test): random bytes, JSON of any depth and of
sizes past NATS's payload limit, schema-valid events carrying hostile strings, and events
claiming another source, each POSTed between good events through the real app and a
running ingest. No answer is a 5xx; each bad event is refused with a code (or the whole
body with a problem naming why); every good event is recorded; the sequencer keeps its
lead (the same ingest answers throughout)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.client import Client

from contracts.topology import Topology
from contracts.types import TOKEN_PATTERN
from ledger_api.app import create_app
from plumbing import db
from tests.integration.test_api import bearer, http
from tests.integration.test_http_append import rejections
from tests.support import note

pytestmark = pytest.mark.integration
T = TypeVar("T")
HOSTILE_TEXT = st.text(
    st.characters(codec="utf-8") | st.sampled_from(["\x00", "\u202e", "\ufeff", "𝕏", "\\", '"']),
    max_size=5000,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=40,
)


def _nested(value: Any, depth: int, as_object: bool) -> bytes:
    opener, closer = (b'{"a":', b"}") if as_object else (b"[", b"]")
    return opener * depth + json.dumps(value).encode() + closer * depth


def _padded(size: int) -> bytes:
    """A note whose ``payload`` carries ``size`` bytes: up to twice NATS's payload limit."""
    return json.dumps(note("HX-1") | {"payload": {"text": "p" * size}}).encode()


def _event(**fields: Any) -> bytes:
    return json.dumps(note("HX-1") | fields).encode()


hostile = st.one_of(
    st.binary(max_size=3000),
    st.builds(_nested, json_values, st.integers(0, 5000), st.booleans()),
    st.builds(_padded, st.integers(0, 2_200_000)),
    st.builds(lambda t: _event(payload={"text": t}), HOSTILE_TEXT),
    st.builds(lambda t: _event(incident_id=t), HOSTILE_TEXT),
    st.builds(lambda t: _event(actor={"id": t, "name": t, "role": t}), HOSTILE_TEXT),
    st.builds(lambda t: _event(occurred_at=t), HOSTILE_TEXT),
    st.builds(lambda s: _event(source=s), st.from_regex(TOKEN_PATTERN, fullmatch=True)),
)


class Run:
    """What the publisher was told: events recorded, events rejected, bodies refused."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client, self.goods = client, 0
        self.recorded, self.rejected, self.refused = 0, 0, 0

    async def post(self, body: bytes) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        response = await self.client.post("/v1/events", content=body, headers=headers)
        assert response.status_code < 500, (response.status_code, response.text[:500], body[:300])
        if response.headers["content-type"].startswith("application/problem+json"):
            assert response.status_code in (400, 413), response.text
            assert response.json()["detail"]
            self.refused += 1
            return response
        results = response.json()["results"]
        self.recorded += sum(r["type"] == "recorded" for r in results)
        refused = [r for r in results if r["type"] == "rejected"]
        assert all(r["code"] and r["path"].startswith("$") for r in refused), results
        self.rejected += len(refused)
        return response

    async def good(self) -> None:
        response = await self.post(json.dumps(note("HX-0")).encode())
        assert response.status_code == 201, response.text
        self.goods += 1


@pytest.fixture
async def run(ingesting: asyncpg.Pool, nc: Client, topology: Topology) -> AsyncIterator[Run]:
    async with http(create_app(ingesting, nc, db.head_revision(), topology)) as client:
        client.headers.update(await bearer(ingesting, "publisher"))
        yield Run(client)


async def test_no_hostile_body_breaks_the_ledger_or_delays_good_events(
    run: Run, ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    loop = asyncio.get_running_loop()

    def on_loop(work: Coroutine[Any, Any, T]) -> T:
        """Hypothesis drives from a thread; the app and the ingest live on this loop."""
        return asyncio.run_coroutine_threadsafe(work, loop).result(timeout=120)

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(hostile)
    def between_good_events(body: bytes) -> None:
        on_loop(run.good())
        on_loop(run.post(body))
        on_loop(run.good())

    await asyncio.to_thread(between_good_events)
    print(
        f"{run.goods} good, {run.recorded} recorded, {run.rejected} rejected, {run.refused} refused"
    )
    assert run.goods >= 2 * 25
    assert run.recorded >= run.goods
    assert await ingesting.fetchval("SELECT count(*) FROM events") == run.recorded
    published = len(await rejections(nc, topology))
    assert published <= run.rejected  # each once: a body refused twice is one record
    assert (published > 0) == (run.rejected > 0)
