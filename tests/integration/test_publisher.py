"""The publisher client: typed builders that publish, acknowledged by JetStream; and
``ledger publish``, which reports what the ledger made of each line."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor
from contracts.events.base import Site
from contracts.publisher import Publisher
from contracts.topology import Topology
from plumbing import jetstream
from tests import seeding
from tests.integration.conftest import wait_for_count
from tests.support import note

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
        rows = await seeding.timeline(conn, "PUB-1")
    assert [r["type"] for r in rows] == ["incident.reported.v1", "note.added.v1"]


async def test_publishing_the_same_envelope_twice_is_one_event(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    client = Publisher(nc, topology)
    envelope = builders.add_note(incident_id="PUB-2", source="bms", actor=DESK, text="x")
    first, again = await client.publish(envelope), await client.publish(envelope)
    assert (bool(first.duplicate), again.duplicate) == (False, True)
    assert await wait_for_count(ingesting, 1) == 1


async def ledger_publish(
    lines: list[dict[str, Any]], nats_url: str, topology: Topology, wait: float = 20.0
) -> tuple[int, list[str]]:
    """``ledger publish --wait`` as a real process, fed ``lines``: its status and output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_NATS_URL": nats_url, "LEDGER_NATS_NAMESPACE": topology.namespace,
            "LEDGER_DATABASE_URL": "postgresql://unused@127.0.0.1:1/none"}  # fmt: skip
    ledger = str(Path(sys.executable).parent / "ledger")
    proc = await asyncio.create_subprocess_exec(
        ledger, "publish", "--wait", str(wait), "-", env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    ndjson = b"".join(msgspec.json.encode(line) + b"\n" for line in lines)
    out, _ = await asyncio.wait_for(proc.communicate(ndjson), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode().splitlines()


async def test_publish_reports_each_line_and_fails_when_one_is_rejected(
    ingesting: asyncpg.Pool, nats_url: str, topology: Topology
) -> None:
    """Given a good event, a bad one and the good one again, then each line's outcome is
    printed (recorded with its position, rejected with code and path, a duplicate), and
    the command fails because one line was rejected."""
    good = note("PUB-3")
    bad = note("PUB-3") | {"occurred_at": "2026-01-01T00:00:00"}
    status, out = await ledger_publish([good, bad, good], nats_url, topology)
    assert status == 1, out
    assert out[0] == f"{good['event_id']}  recorded  position 1, version 1"
    assert out[1].startswith(f"{bad['event_id']}  rejected  schema_violation")
    assert out[1].endswith("(at $.occurred_at)")
    assert out[2].startswith(f"{good['event_id']}  duplicate")
    assert await wait_for_count(ingesting, 1) == 1


async def test_publish_succeeds_when_every_line_is_recorded(
    ingesting: asyncpg.Pool, nats_url: str, topology: Topology
) -> None:
    events = [note("PUB-4", f"step {i}") for i in range(3)]
    status, out = await ledger_publish(events, nats_url, topology)
    assert status == 0, out
    assert [line.split("  ")[1] for line in out] == ["recorded"] * 3


async def test_publish_says_so_when_no_ledger_confirms(
    nc: Client, nats_url: str, topology: Topology
) -> None:
    """Given streams but no ingest running, then each line is reported unconfirmed."""
    await jetstream.ensure_topology(nc.jetstream(), topology)
    event = note("PUB-5")
    status, out = await ledger_publish([event], nats_url, topology, wait=0.5)
    assert status == 1
    assert out == [f"{event['event_id']}  no confirmation within 0.5 s"]
