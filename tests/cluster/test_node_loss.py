"""Given the ledger ingesting from a three-node JetStream cluster (streams at three
replicas), when the node leading the events stream is killed mid-run, then the other two
carry on: every event is recorded exactly once, positions stay gapless and the chain and
Merkle head recompute."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import pytest
from ledger_verify import note
from ledger_verify.report import VALID
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger.stack.nats_cluster import NatsCluster
from ledger.audit import live_verify
from tests.cluster.publishing import notes, publish_until_acked
from tests.integration import faults
from tests.support import ledger_process

pytestmark = pytest.mark.cluster
TOTAL = 50_000


async def _leader_node(nc: Client) -> int:
    """Which node (0-based) leads the events stream: its server is ``ledger-nats-<n+1>``."""
    info = await nc.jetstream(timeout=10).stream_info(Topology().events_stream)
    assert info.cluster is not None
    assert info.cluster.leader is not None
    return int(info.cluster.leader.rsplit("-", 1)[1]) - 1


async def test_losing_the_stream_leader_mid_ingest_loses_and_duplicates_nothing(
    cluster: NatsCluster, ledger_nc: Client, database_url: str, tmp_path: Path
) -> None:
    events = notes(TOTAL, incidents=500, source="simulator")
    key = note.generate("incident-ledger")
    (tmp_path / "signer.key").write_text(f"{key}\n")
    extra = {
        "LEDGER_NATS_REPLICAS": "3",
        "LEDGER_AUDIT_KEY_FILE": str(tmp_path / "signer.key"),
        "LEDGER_DATA_DIR": str(tmp_path / "data"),
    }
    ingest = ledger_process("ingest", database_url, cluster.url("ingest"), "", extra=extra)
    signer = ledger_process("sign", database_url, cluster.url("signer"), "", extra=extra)
    try:
        # The second half is published only after the kill: however fast the ingest, the
        # node dies mid-run.
        first, second = events[: TOTAL // 2], events[TOTAL // 2 :]
        publishing = asyncio.create_task(publish_until_acked(cluster.url("simulator"), first))
        assert await faults.wait_rows(database_url, TOTAL // 4, within=120) >= TOTAL // 4
        lost = await _leader_node(ledger_nc)
        cluster.kill(lost)
        retried = await publishing
        retried += await publish_until_acked(cluster.url("simulator"), second)
        print(f"node {lost + 1} killed; {retried} publishes retried")
        assert await faults.wait_rows(database_url, TOTAL, within=180) == TOTAL
        await asyncio.sleep(1.0)
        assert await faults.count(database_url) == TOTAL
        assert await _leader_node(ledger_nc) != lost  # a survivor took the stream over
        assert await _signed(database_url, TOTAL, within=30) == TOTAL
    finally:
        for proc in (signer, ingest):
            proc.terminate()
            proc.wait(30)
    assert await faults.chain_problems(database_url) == []
    conn = await asyncpg.connect(database_url)
    try:
        report = await live_verify.verify(conn, [key.verifier()], lambda done, total: None)
    finally:
        await conn.close()
    assert report.exit_code == VALID, report.render_text()
    assert await faults.recorded_ids(database_url) == {str(e["event_id"]) for e in events}


async def _signed(database_url: str, size: int, within: float) -> int:
    """The largest checkpoint's size, once it reaches ``size`` (or ``within`` seconds)."""
    conn = await asyncpg.connect(database_url)
    try:
        deadline, signed = time.monotonic() + within, 0
        while signed < size and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            signed = await conn.fetchval("SELECT coalesce(max(size), 0) FROM checkpoints")
        return int(signed)
    finally:
        await conn.close()
