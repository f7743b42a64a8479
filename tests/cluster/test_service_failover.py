"""Given the services running twice over on the three-node cluster (a leader and a
standby each), when a leader is killed, then its standby carries on: the ingest within
10 s with nothing lost or duplicated; the projector to read models equal to a clean
rebuild, with every deadline alert published exactly once."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats.errors
import pytest
from nats.aio.client import Client
from nats.js.errors import ServiceUnavailableError

from contracts import canonical
from contracts.topology import Topology
from incident_ledger.runtime import projector_config
from incident_ledger.simulation import history
from incident_ledger.stack.nats_cluster import NatsCluster
from plumbing.settings import load
from projector.follow import runner
from tests import seeding
from tests.cluster.publishing import notes, publish_until_acked
from tests.integration import faults
from tests.integration.test_projector import snapshot
from tests.integration.test_projector_faults import wait_projected

pytestmark = pytest.mark.cluster
R3 = {"LEDGER_NATS_REPLICAS": "3"}


def _service(command: str, user: str, cluster: NatsCluster, url: str) -> subprocess.Popen[bytes]:
    """``ledger <command>`` as ``user``, logging at info: whether it leads or stands by."""
    return faults.logged(command, url, cluster.url(user), "", R3 | faults.STANDBY)


async def test_the_standby_ingest_takes_over_within_ten_seconds(
    cluster: NatsCluster, ledger_nc: Client, database_url: str
) -> None:
    first, second = notes(5_000, 50, "simulator"), notes(5_000, 50, "simulator")
    leader = _service("ingest", "ingest", cluster, database_url)
    await publish_until_acked(cluster.url("simulator"), first)
    assert await faults.wait_rows(database_url, 5_000, within=60) == 5_000
    standby = _service("ingest", "ingest", cluster, database_url)
    try:
        await faults.until_said(standby, "standing by: another sequencer leads")
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        killed = time.monotonic()
        publishing = asyncio.create_task(publish_until_acked(cluster.url("simulator"), second))
        took = await faults.takeover(database_url, 5_000, killed)
        await publishing
        assert took < 10, f"the standby took {took:.1f} s to record"
        assert await faults.wait_rows(database_url, 10_000, within=60) == 10_000
    finally:
        standby.terminate()
        standby.wait(30)
    assert await faults.count(database_url) == 10_000
    assert await faults.chain_problems(database_url) == []


async def test_the_standby_projector_continues_and_alerts_once(
    cluster: NatsCluster, ledger_nc: Client, database_url: str
) -> None:
    recorded = seeding.catch_all("simulator") + history(3_000, now=datetime.now(UTC))
    events = [canonical.to_builtins(e) for e in recorded]
    ingest = _service("ingest", "ingest", cluster, database_url)
    leader = _service("project", "projector", cluster, database_url)
    await faults.until_said(leader, "leading the projector")
    standby = _service("project", "projector", cluster, database_url)
    await faults.until_said(standby, "standing by: another projector leads")
    conn = await asyncpg.connect(database_url)
    try:
        await publish_until_acked(cluster.url("simulator"), events[:1_500])
        await wait_projected(conn, 1_500, within=60)
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        await publish_until_acked(cluster.url("simulator"), events[1_500:])
        assert await wait_projected(conn, len(events), within=60) == len(events)
        await asyncio.sleep(3)  # the standby's alert scheduler ticks over what it owns now
        survived = await snapshot(conn)
        await runner.rebuild(conn, projector_config(load({})))
        assert await snapshot(conn) == survived
    finally:
        await conn.close()
        for proc in (standby, ingest):
            proc.terminate()
            proc.wait(30)
    alerts = await _alerts(ledger_nc)
    keys = Counter((a["incident_id"], a["ref"], a["state"], a["due_at"]) for a in alerts)
    assert alerts, "the scenarios' backdated deadlines are long missed"
    assert max(keys.values()) == 1


async def _alerts(nc: Client) -> list[dict[str, str]]:
    """Every alert in the stream. A new consumer on a replicated stream answers 503 until
    its Raft group has a leader: those fetches are retried."""
    topology = Topology()
    sub = await nc.jetstream(timeout=10).pull_subscribe(
        topology.alerts_wildcard, durable=None, stream=topology.alerts_stream
    )
    found: list[dict[str, str]] = []
    while True:
        try:
            msgs = await sub.fetch(500, timeout=1)
        except ServiceUnavailableError:
            await asyncio.sleep(0.2)
            continue
        except (nats.errors.TimeoutError, TimeoutError):
            return found
        found += [msgspec.json.decode(m.data) for m in msgs]
