"""POST /v1/events: events recorded through the leading sequencer, each with its outcome."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from nats.aio.client import Client

from contracts.registry import DEFAULT_REGISTRY
from contracts.topology import Topology
from ledger.ingest import request_reply as appends
from ledger.ingest.intake import RejectionRecord
from ledger_api import append_schema
from ledger_api.app import create_app
from plumbing import db
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


async def rejections(nc: Client, topology: Topology) -> list[tuple[str | None, RejectionRecord]]:
    """``(subject, record)`` of every rejection published so far, in order (the sequencer
    publishes them before it answers)."""
    js = nc.jetstream()
    count = (await js.stream_info(topology.rejected_stream)).state.messages
    found = []
    for seq in range(1, count + 1):
        msg = await js.get_msg(topology.rejected_stream, seq)
        found.append((msg.subject, msgspec.json.decode(msg.data or b"", type=RejectionRecord)))
    return found


async def test_an_event_of_another_source_is_refused_and_its_publisher_told(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient, nc: Client, topology: Topology
) -> None:
    """Given a token that publishes as desk, when it sends an event claiming cad, then it
    is refused alone with 403 and source_mismatch, recorded nowhere but among desk's
    rejections (cad never hears of it), and in a batch only that event is refused."""
    spoofed = note("INC-1", source="cad")
    alone = await post(publisher, spoofed)
    assert alone.status_code == 403, alone.text
    (result,) = alone.json()["results"]
    assert (result["code"], result["path"]) == ("source_mismatch", "$.source")
    mixed = await post(publisher, [note("INC-1"), note("INC-1", source="cad")])
    assert mixed.status_code == 207
    assert [r["type"] for r in mixed.json()["results"]] == ["recorded", "rejected"]
    assert await ingesting.fetchval("SELECT array_agg(DISTINCT source) FROM events") == ["desk"]
    found = await rejections(nc, topology)
    assert [s for s, _ in found] == [topology.rejected_subject("desk")] * 2
    record = found[0][1]
    assert (record.code, record.subject, record.event_id) == (
        "source_mismatch",
        "http",
        spoofed["event_id"],
    )
    assert base64.b64decode(record.raw) == msgspec.json.encode(spoofed)


async def test_a_retried_rejection_is_recorded_once(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient, nc: Client, topology: Topology
) -> None:
    bad = note("INC-1") | {"occurred_at": "yesterday"}
    for _ in range(2):
        assert (await post(publisher, bad)).status_code == 422
    assert len(await rejections(nc, topology)) == 1


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"[]", "no events"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"source": "\xc3\x28"}', "not UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "nested deeper"),
        (b'{"a":' * 3000 + b"1" + b"}" * 3000, "nested deeper"),
        (b"[1, 2]", "$[0] is not a JSON object"),
        (b'[{"a": 1}, "x"]', "$[1] is not a JSON object"),
        (b"null", "the body is not a JSON object"),
        (b"[{nope}]", "not JSON"),
    ],
)
async def test_a_body_no_event_can_be_read_from_is_a_400_naming_why(
    publisher: httpx.AsyncClient, body: bytes, named: str
) -> None:
    """No sequencer runs here: the body is refused before anything is sent."""
    response = await publisher.post(
        "/v1/events", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert named in response.json()["detail"]


async def test_an_event_larger_than_nats_carries_is_refused_as_oversize(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient, nc: Client, topology: Topology
) -> None:
    """Given events of 2 MB and 70 KiB between good ones, then each is refused as oversize
    with its size, the good ones are recorded, and the rejections are published with the
    events' first bytes."""
    huge = note("INC-1", "x" * 2_000_000)
    large = note("INC-1", "y" * 70_000)
    response = await post(publisher, [note("INC-1"), huge, large, note("INC-1")])
    assert response.status_code == 207, response.text
    results = response.json()["results"]
    assert [r["type"] for r in results] == ["recorded", "rejected", "rejected", "recorded"]
    assert {r["code"] for r in results[1:3]} == {"oversize"}
    assert str(len(msgspec.json.encode(huge))) in results[1]["message"]
    found = await rejections(nc, topology)
    assert [r.code for _, r in found] == ["oversize", "oversize"]
    assert base64.b64decode(found[0][1].raw) == msgspec.json.encode(huge)[:1024]


async def test_a_batch_beyond_one_nats_message_is_sent_in_runs(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient
) -> None:
    body = [note(f"INC-{i % 3}", "z" * 3900) for i in range(400)]  # 1.7 MB in all
    response = await post(publisher, body)
    assert response.status_code == 201, response.text
    assert await ingesting.fetchval("SELECT count(*) FROM events") == 400


async def test_a_bad_receipt_parameter_is_named_as_written(publisher: httpx.AsyncClient) -> None:
    response = await publisher.post("/v1/events?receipt=maybe", json=note())
    assert response.status_code == 400
    assert "'receipt'" in response.json()["detail"]
    assert "receipt_wanted" not in response.text


async def test_the_openapi_document_describes_the_body(publisher: httpx.AsyncClient) -> None:
    """Then a client generator sees one envelope or an array, every event type among them."""
    document = (await publisher.get("/schema/openapi.json")).json()
    operation = document["paths"]["/v1/events"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    event = schema["$defs"]["Event"]
    assert len(event["anyOf"]) == len(DEFAULT_REGISTRY.types)
    assert schema["anyOf"][1]["items"] == {"$ref": append_schema.HOME + "/$defs/Event"}
    assert "application/json" in operation["responses"]["403"]["content"]


async def test_a_fault_in_the_sequencer_is_answered_at_once_and_it_keeps_leading(
    ingesting: asyncpg.Pool, publisher: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a bug that raises while an append is judged, then the publisher is told at
    once (503, naming the exception's class; not after its 10 s timeout), and once the
    bug is gone the same sequencer records the next event."""

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    with monkeypatch.context() as patched:
        patched.setattr(appends, "judge", broken)
        response = await post(publisher, note("INC-1"))
    assert response.status_code == 503
    assert "RuntimeError" in response.json()["detail"]
    assert (await post(publisher, note("INC-1"))).status_code == 201
