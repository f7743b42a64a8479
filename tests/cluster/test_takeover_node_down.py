"""Given one of the three NATS nodes down (the one that led the events stream) and the
services running twice over, when the leading ingest or projector is killed, then its
standby takes over: the lead is competed for first, and nothing it waits on (stream
declaration, migrations) stands between the crash and the takeover. Each test prints the
time it took (on a quiet machine: 0.6-2.5 s for the standby ingest, 1.0-1.3 s for the
projector, 1.5-2.8 s for a restarted ingest); what it asserts is a bound no correct run
misses however loaded the machine (the old order took 10.7-19.5 s), not a speed: speed
is measured, never asserted."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time

import asyncpg
import pytest
from nats.aio.client import Client
from nats.js.api import StreamInfo

from contracts.topology import Topology
from incident_ledger.stack.nats_cluster import NatsCluster
from tests.cluster.publishing import notes, publish_until_acked
from tests.integration import faults
from tests.integration.test_projector_faults import wait_projected

pytestmark = pytest.mark.cluster
R3 = {"LEDGER_NATS_REPLICAS": "3"}
TAKEOVER = 30.0  # seconds: a bound, not the target (3 s), which the printed figures show
RESTART = 30.0


def _service(command: str, user: str, cluster: NatsCluster, url: str) -> subprocess.Popen[bytes]:
    return faults.logged(command, url, cluster.url(user), "", R3 | faults.STANDBY)


async def _lose_the_stream_leader(cluster: NatsCluster, nc: Client) -> None:
    """The node leading the events stream killed, and the stream led again elsewhere."""
    js = nc.jetstream(timeout=5)
    info = await js.stream_info(Topology().events_stream)
    assert info.cluster is not None
    assert info.cluster.leader is not None
    lost = int(info.cluster.leader.rsplit("-", 1)[1]) - 1
    cluster.kill(lost)
    while True:
        again: StreamInfo | None
        try:
            again = await js.stream_info(Topology().events_stream)
        except Exception:  # any answer but a new leader: ask again
            again = None
        if again is not None and again.cluster is not None and again.cluster.leader:
            return
        await asyncio.sleep(0.2)


async def _pair(
    command: str, user: str, cluster: NatsCluster, url: str, leads: str
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    leader = _service(command, user, cluster, url)
    await faults.until_said(leader, f"leading the {leads}")
    standby = _service(command, user, cluster, url)
    await faults.until_said(standby, f"standing by: another {leads} leads")
    return leader, standby


async def test_the_standby_ingest_takes_over_with_a_node_down(
    cluster: NatsCluster, ledger_nc: Client, database_url: str
) -> None:
    simulator = cluster.url("simulator")
    leader, standby = await _pair("ingest", "ingest", cluster, database_url, "sequencer")
    try:
        await publish_until_acked(simulator, notes(1_000, 20, "simulator"))
        await faults.wait_rows(database_url, 1_000, within=60)
        await _lose_the_stream_leader(cluster, ledger_nc)
        await publish_until_acked(simulator, notes(1_000, 20, "simulator"))
        assert await faults.wait_rows(database_url, 2_000, within=60) == 2_000
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        killed = time.monotonic()
        publishing = asyncio.create_task(publish_until_acked(simulator, notes(500, 5, "simulator")))
        took = await faults.takeover(database_url, 2_000, killed)
        await publishing
        print(f"ingest takeover with a node down: {took:.2f} s")
        assert took <= TAKEOVER, faults.said(standby)
        assert await faults.wait_rows(database_url, 2_500, within=60) == 2_500
    finally:
        for proc in (leader, standby):
            proc.kill()
            proc.wait(30)
    assert await faults.chain_problems(database_url) == []


async def test_an_ingest_restarted_with_a_node_down_leads_at_once(
    cluster: NatsCluster, ledger_nc: Client, database_url: str
) -> None:
    # Given no standby, when the ingest is killed and started again (as a supervisor
    # would) while a node is down, then the new process leads and records at once: the
    # streams are declared beside it, not before it competes.
    simulator = cluster.url("simulator")
    leader = _service("ingest", "ingest", cluster, database_url)
    await faults.until_said(leader, "leading the sequencer")
    await publish_until_acked(simulator, notes(500, 20, "simulator"))
    await faults.wait_rows(database_url, 500, within=60)
    await _lose_the_stream_leader(cluster, ledger_nc)
    leader.send_signal(signal.SIGKILL)
    leader.wait(10)
    killed = time.monotonic()
    again = _service("ingest", "ingest", cluster, database_url)
    try:
        publishing = asyncio.create_task(publish_until_acked(simulator, notes(200, 5, "simulator")))
        took = await faults.takeover(database_url, 500, killed)
        await publishing
        print(f"ingest restarted with a node down: recording after {took:.2f} s")
        assert took <= RESTART, faults.said(again)
        assert await faults.wait_rows(database_url, 700, within=60) == 700
    finally:
        again.kill()
        again.wait(30)


async def test_the_standby_projector_takes_over_with_a_node_down(
    cluster: NatsCluster, ledger_nc: Client, database_url: str
) -> None:
    simulator = cluster.url("simulator")
    ingest = _service("ingest", "ingest", cluster, database_url)
    leader, standby = await _pair("project", "projector", cluster, database_url, "projector")
    conn = await asyncpg.connect(database_url)
    try:
        await _lose_the_stream_leader(cluster, ledger_nc)
        await publish_until_acked(simulator, notes(1_000, 20, "simulator"))
        await wait_projected(conn, 1_000, within=60)
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        killed = time.monotonic()
        await publish_until_acked(simulator, notes(200, 5, "simulator"))
        assert await wait_projected(conn, 1_200, within=60) == 1_200
        took = time.monotonic() - killed
        print(f"projector takeover with a node down: {took:.2f} s")
        assert took <= TAKEOVER, faults.said(standby)
    finally:
        await conn.close()
        for proc in (leader, standby, ingest):
            proc.kill()
            proc.wait(30)
