"""Events published on JetStream are recorded once, in order, hash-linked."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import uuid

import asyncpg
import msgspec
import pytest
from nats.aio.client import Client

from contracts.publisher import Publisher
from contracts.topology import Topology
from tests.integration.conftest import wait_for_count
from tests.support import note

pytestmark = pytest.mark.integration


async def test_published_events_are_recorded_gapless_and_linked(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    for i in range(20):
        await Publisher(nc, topology).publish_json(note(f"INC-{i % 3}", f"step {i}"))
    assert await wait_for_count(ingesting, 20) == 20
    rows = await ingesting.fetch("SELECT * FROM events ORDER BY position")
    assert [r["position"] for r in rows] == list(range(1, 21))
    last: dict[str, asyncpg.Record] = {}
    for row in rows:
        assert row["hash"] == hashlib.sha256(row["record"]).digest()
        previous = last.get(row["incident_id"])
        assert row["version"] == (previous["version"] + 1 if previous else 1)
        assert row["prev_hash"] == (previous["hash"] if previous else None)
        last[row["incident_id"]] = row


async def test_a_republished_event_is_recorded_once(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    js, event = nc.jetstream(), note("INC-1")
    await Publisher(nc, topology).publish_json(event)
    await wait_for_count(ingesting, 1)
    # A different Msg-Id slips past JetStream's duplicate window; PostgreSQL still holds.
    subject = topology.event_subject("desk", "INC-1")
    await js.publish(subject, msgspec.json.encode(event), headers={"Nats-Msg-Id": "other"})
    await Publisher(nc, topology).publish_json(note("INC-1", "after"))
    assert await wait_for_count(ingesting, 2) == 2
    await asyncio.sleep(0.2)
    assert await ingesting.fetchval("SELECT count(*) FROM events") == 2


async def _rejections(nc: Client, topology: Topology, n: int) -> list[dict[str, str]]:
    sub = await nc.jetstream().pull_subscribe(
        topology.rejected_wildcard, durable=None, stream=topology.rejected_stream
    )
    msgs = await sub.fetch(n, timeout=10)
    return [msgspec.json.decode(m.data) for m in msgs]


async def test_bad_messages_are_rejected_with_a_reason_and_the_rest_recorded(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    js = nc.jetstream()
    await js.publish(topology.event_subject("desk", "INC-1"), b"{not json")
    await js.publish(topology.event_subject("other", "INC-1"), msgspec.json.encode(note("INC-1")))
    await Publisher(nc, topology).publish_json(note("INC-1"))
    assert await wait_for_count(ingesting, 1) == 1
    rejected = await _rejections(nc, topology, 2)
    assert sorted(r["code"] for r in rejected) == ["invalid_json", "source_mismatch"]
    raw = {r["code"]: base64.b64decode(r["raw"]) for r in rejected}
    assert raw["invalid_json"] == b"{not json"


async def test_a_closed_incident_refuses_operations_until_reopened(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    publisher, base = Publisher(nc, topology), note("INC-9")
    closed = base | {
        "event_id": str(uuid.uuid4()),
        "type": "incident.closed.v1",
        "payload": {"reason": "done"},
    }
    action = base | {
        "event_id": str(uuid.uuid4()),
        "type": "action.taken.v1",
        "payload": {"category": "cordon", "text": "taped off"},
    }
    for event in (base, closed, action):
        await publisher.publish_json(event)
    (rejection,) = await _rejections(nc, topology, 1)
    assert (rejection["code"], rejection["path"]) == ("invalid_transition", "$.type")
    assert "reopen" in rejection["message"]
    assert await wait_for_count(ingesting, 2) == 2
