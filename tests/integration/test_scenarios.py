"""Every emergency-plan scenario, published as the simulator does, is recorded whole."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import pytest
from nats.aio.client import Client

from contracts import scenarios
from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger.simulation import plan
from tests import seeding
from tests.integration.conftest import wait_for_count

pytestmark = pytest.mark.integration


async def test_every_scenario_lands_in_its_timelines(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    publisher = Publisher(nc, topology)
    now = datetime.now(UTC)
    events = [
        t.envelope
        for name in scenarios.scenario_names()
        for t in plan(name, now=now, speed=math.inf, incidents=2)
    ]
    for envelope in events:
        ack = await publisher.publish(envelope)
        assert not ack.duplicate
    assert await wait_for_count(ingesting, len(events), within=30) == len(events)
    expected = Counter(e.incident_id for e in events)
    async with ingesting.acquire() as conn:
        for incident, count in expected.items():
            rows = await seeding.timeline(conn, incident)
            assert [r["version"] for r in rows] == list(range(1, count + 1)), incident
    assert await ingesting.fetchval("SELECT count(DISTINCT incident_id) FROM events") == 20
