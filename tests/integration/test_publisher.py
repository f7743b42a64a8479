"""The publisher client: typed builders that publish, acknowledged by JetStream."""

from __future__ import annotations

import asyncpg
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor
from contracts.events.base import Site
from contracts.publisher import Publisher
from contracts.topology import Topology
from ledger import store
from tests.integration.conftest import wait_for_count

pytestmark = pytest.mark.integration

DESK = Actor("desk-7", "Wang Fang", "duty_manager")


async def test_typed_builders_publish_and_the_ledger_records(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    client = Publisher(nc, topology)
    ack = await client.report_incident(
        incident_id="PUB-1",
        source="bms",
        actor=DESK,
        kind=IncidentKind.FIRE,
        title="Smoke alarm, tower B",
        site=Site(name="Tower B", location_code="TB-03"),
        channel=ReportChannel.SENSOR,
    )
    assert (ack.stream, ack.seq, bool(ack.duplicate)) == (topology.events_stream, 1, False)
    await client.add_note(incident_id="PUB-1", source="bms", actor=DESK, text="on my way")
    assert await wait_for_count(ingesting, 2) == 2
    async with ingesting.acquire() as conn:
        rows = await store.timeline(conn, "PUB-1")
    assert [r["type"] for r in rows] == ["incident.reported.v1", "note.added.v1"]


async def test_publishing_the_same_envelope_twice_is_one_event(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    client = Publisher(nc, topology)
    envelope = builders.add_note(incident_id="PUB-2", source="bms", actor=DESK, text="x")
    first, again = await client.publish(envelope), await client.publish(envelope)
    assert (bool(first.duplicate), again.duplicate) == (False, True)
    assert await wait_for_count(ingesting, 1) == 1
