"""The projector as a real process: killed mid catch-up, and doubled for alerts."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats
import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger.runtime import projector_config
from incident_ledger.simulation import history
from ledger.store import event_rows as ledger_store
from plumbing import jetstream
from plumbing.settings import load
from projector.follow import runner, tables
from tests import seeding
from tests.integration import faults
from tests.integration.test_projector import snapshot

pytestmark = pytest.mark.integration


def project(
    database_url: str, nats_url: str, topology: Topology, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    # Two rebuild workers whatever the machine's cores, so that progress per poll is alike.
    settings = {"LEDGER_PROJECTOR_REBUILD_WORKERS": "2"} | (extra or {})
    return faults.logged("project", database_url, nats_url, topology.namespace, settings)


async def record_scenarios(conn: asyncpg.Connection, nc: Client, events: int) -> int:
    envelopes = seeding.catch_all() + history(events, now=datetime.now(UTC))
    for start in range(0, len(envelopes), 5000):
        await seeding.append(conn, nc, envelopes[start : start + 5000], origin="t")
    return len(envelopes)


async def projected(conn: asyncpg.Connection) -> int:
    """How far the furthest generation (live or being built) has folded."""
    value = await conn.fetchval("SELECT max(position) FROM projection_checkpoints")
    return int(value or 0)


async def slowest_partition(conn: asyncpg.Connection) -> int:
    """How far the slowest rebuild worker has folded (0 before any has started)."""
    value = await conn.fetchval(
        "SELECT min(position) FROM projection_checkpoints WHERE projection LIKE '%/p%'"
    )
    return int(value or 0)


async def _live(conn: asyncpg.Connection, within: float = 30.0) -> bool:
    """Until the finished build is swapped in."""
    deadline = asyncio.get_running_loop().time() + within
    while await tables.active(conn) is None:
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def wait_projected(conn: asyncpg.Connection, position: int, within: float) -> int:
    deadline = asyncio.get_running_loop().time() + within
    seen = await projected(conn)
    while seen < position and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.2)
        seen = await projected(conn)
    return seen


async def test_kill_9_during_catch_up_leaves_what_a_clean_rebuild_gives(
    database_url: str, nats_url: str, nc: Client, topology: Topology
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        total = await record_scenarios(conn, nc, 100_000)
        for _ in range(2):
            proc = project(database_url, nats_url, topology)
            before = await projected(conn)
            # Killed once every worker has folded past where the furthest stood: all of
            # them started (none left orphaned to fold on), and far from the end.
            deadline = asyncio.get_running_loop().time() + 120
            while await slowest_partition(conn) < before + 5_000:
                assert asyncio.get_running_loop().time() < deadline, "the rebuild stalled"
                await asyncio.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert 0 < await projected(conn) < total
        proc = project(database_url, nats_url, topology)
        try:
            assert await wait_projected(conn, total, within=300) == total
            assert await _live(conn)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        survived = await snapshot(conn)
        await runner.rebuild(conn, projector_config(load({})))
        assert await snapshot(conn) == survived
    finally:
        await conn.close()


async def test_each_deadline_alert_is_published_once_by_two_projectors(
    database_url: str, nats_url: str, topology: Topology
) -> None:
    nc = await nats.connect(nats_url)
    await jetstream.ensure_topology(nc.jetstream(), topology)
    conn = await asyncpg.connect(database_url)
    try:
        await record_scenarios(conn, nc, 200)  # backdated: their open deadlines are long missed
        first = project(database_url, nats_url, topology, faults.STANDBY)
        await faults.until_said(first, "leading the projector")
        second = project(database_url, nats_url, topology, faults.STANDBY)
        await faults.until_said(second, "standing by: another projector leads")
        total = await ledger_store.next_position(conn) - 1
        await wait_projected(conn, total, within=60)
        await asyncio.sleep(3)
        first.send_signal(signal.SIGKILL)
        await faults.until_said(second, "leading the projector")
        await asyncio.sleep(3)  # the second ticks over the alerts it owns now
        second.send_signal(signal.SIGTERM)
        second.wait(30)
        first.wait(10)
        alerts = await _alerts(nc, topology)
    finally:
        await conn.close()
        await nc.close()
    keys = Counter((a["incident_id"], a["ref"], a["state"], a["due_at"]) for a in alerts)
    assert alerts, "backdated scenarios leave missed deadlines"
    assert max(keys.values()) == 1
    assert {a["state"] for a in alerts} <= {"due_soon", "missed"}


async def _alerts(nc: Client, topology: Topology) -> list[dict[str, str]]:
    sub = await nc.jetstream().pull_subscribe(
        topology.alerts_wildcard, durable=None, stream=topology.alerts_stream
    )
    found: list[dict[str, str]] = []
    while True:
        try:
            msgs = await sub.fetch(500, timeout=1)
        except (nats.errors.TimeoutError, TimeoutError):
            return found
        found += [msgspec.json.decode(m.data) for m in msgs]
