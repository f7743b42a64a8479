"""The corpus of bad messages (``test_rejections.CORPUS``), each POSTed alone to
``/v1/events`` between good events, plus what only HTTP can be sent (another source than
the token's, an event larger than a NATS message): each is refused with its documented
code and path, or (a body no event can be read from) whole with a 400 problem; its
rejection is published on the token's ``incidents.rejected.<source>``; every good event
around it is recorded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from litestar.exceptions import HTTPException
from nats.aio.client import Client

from contracts.topology import Topology
from ledger_api.app import create_app
from ledger_api.routes.events import split
from plumbing import db
from tests.integration.test_api import bearer, http
from tests.integration.test_http_append import rejections
from tests.integration.test_rejections import CORPUS, Bad
from tests.support import note

pytestmark = pytest.mark.integration
SUBJECT_ONLY = {"subject_mismatch", "source_mismatch"}  # judged against a NATS subject
HTTP_ONLY = [
    Bad("spoofed-source", json.dumps(note("spoofed", source="cad")).encode(), "source_mismatch",
        "$.source", "'cad' is not one this token may publish as", identified=True),
    Bad("past-nats-payload", json.dumps(note("big", "x" * 1_100_000)).encode(), "oversize",
        "$", "the limit is 64512"),
]  # fmt: skip
CASES = [c for c in CORPUS if c.code not in SUBJECT_ONLY] + HTTP_ONLY


def refused_whole(data: bytes) -> int | None:
    """The status of a body refused before any event is judged, if it is."""
    try:
        split(data)
    except HTTPException as exc:
        return exc.status_code
    return None


@pytest.fixture
async def client(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> AsyncIterator[httpx.AsyncClient]:
    async with http(create_app(ingesting, nc, db.head_revision(), topology)) as client:
        client.headers.update(await bearer(ingesting, "publisher"))
        client.headers["Content-Type"] = "application/json"
        yield client


async def _judged(client: httpx.AsyncClient, case: Bad) -> None:
    response = await client.post("/v1/events", content=case.data)
    status = refused_whole(case.data)
    if status is not None:
        assert response.status_code == status, (case.kind, response.text)
        assert response.json()["detail"], case.kind
        return
    expected = {"version_conflict": 409, "duplicate_conflict": 409, "source_mismatch": 403}
    assert response.status_code == expected.get(case.code, 422), (case.kind, response.text)
    (result,) = response.json()["results"]
    assert result["code"] == case.code, case.kind
    if case.bug is None:
        assert (result["path"], case.says in result["message"]) == (case.path, True), case.kind


async def test_each_bad_event_is_refused_with_its_code_between_recorded_good_ones(
    client: httpx.AsyncClient, ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    assert len({c.kind for c in CASES}) >= 40
    goods = 0
    for case in CASES:
        for event in [note("good"), *case.before]:
            assert (await client.post("/v1/events", json=event)).status_code == 201, case.kind
            goods += 1
        await _judged(client, case)
    assert await ingesting.fetchval("SELECT count(*) FROM events") == goods
    per_event = [c for c in CASES if refused_whole(c.data) is None]
    found = await rejections(nc, topology)
    assert [r.code for _, r in found] == [c.code for c in per_event]
    assert {subject for subject, _ in found} == {topology.rejected_subject("desk")}
