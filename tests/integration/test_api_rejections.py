"""Rejections are visible to whoever sent them: ``GET /v1/rejections`` lists what the
ingest refused, read back from the rejection stream, oldest first in keyset pages; an
admin sees every source, a publisher only its own, other roles none."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db
from tests.integration.test_api import http
from tests.support import note

pytestmark = pytest.mark.integration
BAD = {"cad": [b"{not json", b"[]", b'{"type": 7}'], "desk": [b"\xff\xfe", b"null"]}


class Desk:
    def __init__(self, client: httpx.AsyncClient, keys: dict[str, str]) -> None:
        self.client, self.keys = client, keys

    async def get(self, role: str, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[role]}"}
        return await self.client.get("/v1/rejections", params=params, headers=headers)

    async def all(self, role: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            response = await self.get(role, **params)
            assert response.status_code == 200, response.text
            items += response.json()["items"]
            if not (cursor := response.json()["next_cursor"]):
                return items
            params["cursor"] = cursor


async def rejected(nc: Client, topology: Topology, count: int) -> None:
    js = nc.jetstream()
    for _ in range(1000):
        info = await js.stream_info(topology.rejected_stream)
        if info.state.messages >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the ingest did not reject every bad message")


async def publish_bad(nc: Client, topology: Topology) -> None:
    """``BAD`` published, each followed by a good event, and rejected by the ingest."""
    js = nc.jetstream()
    for source, bodies in BAD.items():
        for i, body in enumerate(bodies):
            await js.publish(topology.event_subject(source, f"INC-{i}"), body)
            good = note(f"GOOD-{i}", source=source)
            await js.publish(topology.event_subject(source, good["incident_id"]),
                             msgspec.json.encode(good))  # fmt: skip
    await rejected(nc, topology, sum(map(len, BAD.values())))


_SOURCES = {"publisher": ("cad", "elsewhere")}


@pytest.fixture
async def desk(ingesting: asyncpg.Pool, nc: Client, topology: Topology) -> AsyncIterator[Desk]:
    """Given the ingest running and bad messages published by two sources between good
    ones, and a token of every role (the publisher's bound to ``cad``)."""
    await publish_bad(nc, topology)
    async with ingesting.acquire() as conn:
        keys = {
            r: (await tokens.create(conn, role=r, name=r, sources=_SOURCES.get(r, ())))[1]
            for r in tokens.ROLES
        }
    app = create_app(ingesting, nc, db.head_revision(), topology)
    async with http(app) as client:
        yield Desk(client, keys)


async def test_an_admin_pages_through_every_rejection_oldest_first(desk: Desk) -> None:
    whole = (await desk.get("admin", limit=500)).json()
    assert whole["next_cursor"] is None
    items = whole["items"]
    assert [i["source"] for i in items] == ["cad"] * 3 + ["desk"] * 2
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)
    assert all(i["code"] and i["raw"] and i["received_at"] for i in items)
    assert await desk.all("admin", limit=2) == items
    only = await desk.all("admin", source="desk")
    assert [i["seq"] for i in only] == [i["seq"] for i in items if i["source"] == "desk"]


async def test_a_publisher_sees_only_its_own_sources(desk: Desk) -> None:
    mine = await desk.all("publisher", limit=1)
    assert [i["source"] for i in mine] == ["cad"] * 3
    assert (await desk.get("publisher", source="desk")).status_code == 403
    assert len(await desk.all("publisher", source="cad")) == 3
    for role in ("auditor", "clerk"):
        assert (await desk.get(role)).status_code == 403


async def test_filters_by_code_and_since_and_bad_parameters_are_named(desk: Desk) -> None:
    items = (await desk.get("admin")).json()["items"]
    code = items[0]["code"]
    coded = await desk.all("admin", code=code, limit=1)
    assert coded == [i for i in items if i["code"] == code]
    assert (await desk.get("admin", since="2099-01-01T00:00:00Z")).json()["items"] == []
    assert len(await desk.all("admin", since="2000-01-01T00:00:00Z")) == len(items)
    for params, name in (({"since": "0.5"}, "since"), ({"source": "cad.>"}, "source"),
                         ({"cursor": "nope"}, "cursor"), ({"limit": 0}, "limit")):  # fmt: skip
        refused = await desk.get("admin", **params)
        assert refused.status_code == 400, refused.text
        assert refused.json()["parameter"] == name, refused.text


async def test_each_read_of_the_rejections_is_in_the_access_log(desk: Desk) -> None:
    await desk.get("publisher", source="cad")
    log = (await desk.client.get("/v1/access-log", headers={
        "Authorization": f"Bearer {desk.keys['admin']}"})).json()["items"]  # fmt: skip
    assert (log[0]["action"], log[0]["resource"], log[0]["role"]) == (
        "rejections", "cad", "publisher")  # fmt: skip


async def test_without_nats_the_rejections_answer_503_and_the_schema_documents_them(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        _, secret = await tokens.create(conn, role="admin", name="admin")
    app = create_app(pool, None, db.head_revision())
    async with http(app) as client:
        response = await client.get("/v1/rejections", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        schema = (await client.get("/schema/openapi.json")).json()
    listed = schema["paths"]["/v1/rejections"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"source", "code", "since", "cursor"}
    example = listed["responses"]["200"]["content"]["application/json"]["examples"]
    assert example
