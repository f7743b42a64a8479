"""The write path under faults: duplicates, crashes, restarts and a lost leader.

Each story ends the same way: exactly the published events are recorded, once each, with
gapless positions, contiguous versions, and every hash and link recomputing.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.topology import Topology
from incident_ledger.stack.nats import EmbeddedNats
from incident_ledger.stack.postgres import EmbeddedPostgres
from ledger_api.app import create_app
from plumbing import db, jetstream
from plumbing.settings import DatabaseSettings
from tests.integration import faults
from tests.integration.test_api import http

pytestmark = pytest.mark.integration


async def test_ten_thousand_events_and_ten_thousand_duplicates_give_ten_thousand_rows(
    database_url: str, nats_url: str, topology: Topology
) -> None:
    originals = faults.events(10_000)
    # Half the copies reuse the Msg-Id (JetStream drops them), half do not (the ledger must).
    copies = [
        (e, str(e["event_id"]) if i % 2 else str(uuid.uuid4())) for i, e in enumerate(originals)
    ]
    stream = [
        x
        for pair in zip([(e, str(e["event_id"])) for e in originals], copies, strict=True)
        for x in pair
    ]
    await faults.publish(nats_url, topology, [e for e, _ in stream], [m for _, m in stream])
    proc = faults.ingest(database_url, nats_url, topology)
    try:
        assert await faults.wait_rows(database_url, 10_000, within=60) == 10_000
        await asyncio.sleep(1.0)
        assert await faults.count(database_url) == 10_000
    finally:
        proc.terminate()
        proc.wait(30)
    assert await faults.chain_problems(database_url) == []


async def test_kill_9_at_random_moments_loses_and_duplicates_nothing(
    database_url: str, nats_url: str, topology: Topology
) -> None:
    total = 50_000
    await faults.publish(nats_url, topology, faults.events(total, seed=7))
    rng = random.Random(20261122)
    # Kill points are drawn by row count, one in each fifth of the first 80%: however
    # fast the ingest, every kill lands while it is writing (mid-batch, mid-commit or
    # mid-ack), never after the run has finished.
    for slice_ in range(5):
        target = rng.randint(slice_ * total // 6 + 1, (slice_ + 1) * total // 6)
        proc = faults.ingest(database_url, nats_url, topology)
        floor = await faults.count(database_url) + 1
        await faults.wait_rows(database_url, max(target, floor), within=60, poll=0.02)
        await asyncio.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert 0 < await faults.count(database_url) < total  # the kills did land mid-run
    proc = faults.ingest(database_url, nats_url, topology)
    try:
        assert await faults.wait_rows(database_url, total, within=120) == total
        await asyncio.sleep(1.0)
        assert await faults.count(database_url) == total
    finally:
        proc.terminate()
        proc.wait(30)
    assert await faults.chain_problems(database_url) == []


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "pg")
    server.start()
    yield server
    server.stop()


async def test_postgres_restarted_mid_run_loses_nothing(
    own_postgres: EmbeddedPostgres, nats_url: str, topology: Topology
) -> None:
    url = await db.ensure_database(own_postgres.url, "ledger")
    await db.migrate(url)
    await _restart_mid_run(own_postgres, url, nats_url, topology, seed=11)


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


async def test_nats_restarted_mid_run_loses_nothing(
    database_url: str, own_nats: EmbeddedNats, topology: Topology
) -> None:
    await _restart_mid_run(own_nats, database_url, own_nats.url, topology, seed=13)


async def _restart_mid_run(
    server: EmbeddedPostgres | EmbeddedNats,
    database_url: str,
    nats_url: str,
    topology: Topology,
    seed: int,
) -> None:
    """Given 10,000 events published, when ``server`` restarts while the ingest works
    through them, and 10,000 more are published after, then every one is recorded once
    and the chain recomputes. (The second half waits for the restart: however fast the
    ingest, the restart lands mid-run.)"""
    total = 20_000
    events = faults.events(total, seed=seed)
    await faults.publish(nats_url, topology, events[: total // 2])
    proc = faults.ingest(database_url, nats_url, topology)
    try:
        # Generous: CI runs this beside the cluster tests on two cores.
        rows = await faults.wait_rows(database_url, 2_000, within=60)
        assert rows >= 2_000, faults.said(proc)
        server.stop()
        await asyncio.sleep(2.0)
        server.start(port=server.port)
        await faults.publish_retrying(nats_url, topology, events[total // 2 :])
        rows = await faults.wait_rows(database_url, total, within=90)
        assert rows == total, faults.said(proc)
    finally:
        proc.terminate()
        proc.wait(30)
    assert await faults.count(database_url) == total
    assert await faults.chain_problems(database_url) == []


async def test_a_standby_takes_over_within_ten_seconds_of_the_leader_dying(
    database_url: str, nats_url: str, topology: Topology
) -> None:
    first = faults.events(5_000, seed=17)
    await faults.publish(nats_url, topology, first)
    leader = faults.ingest(database_url, nats_url, topology)
    assert await faults.wait_rows(database_url, 5_000, within=60) == 5_000
    standby = faults.ingest(database_url, nats_url, topology, faults.STANDBY)
    second = faults.events(5_000, seed=19)
    try:
        await faults.until_said(standby, "standing by: another sequencer leads")
        leader.send_signal(signal.SIGKILL)
        leader.wait(10)
        killed = time.monotonic()
        publishing = asyncio.create_task(faults.publish(nats_url, topology, second))
        took = await faults.takeover(database_url, 5_000, killed)
        await publishing
        assert took < 10, f"the standby took {took:.1f} s to record"
        assert await faults.wait_rows(database_url, 10_000, within=60) == 10_000
    finally:
        standby.terminate()
        standby.wait(30)
    assert await faults.count(database_url) == 10_000
    assert await faults.chain_problems(database_url) == []


async def test_ready_turns_503_while_postgres_is_down(
    own_postgres: EmbeddedPostgres, nats_url: str
) -> None:
    url = await db.ensure_database(own_postgres.url, "ledger")
    await db.migrate(url)
    pool = await db.create_pool(url, DatabaseSettings(pool_min=1, pool_max=2))
    nc = await jetstream.connect(nats_url, "test")
    try:
        async with http(create_app(pool, nc, db.head_revision())) as client:
            assert (await client.get("/ready")).status_code == 200
            own_postgres.stop()
            down = await client.get("/ready")
            own_postgres.start(port=own_postgres.port)
            assert (await _eventually_ready(client)).status_code == 200
    finally:
        await nc.drain()
        await pool.close()
    assert down.status_code == 503
    assert any(m.startswith("postgresql") for m in down.json()["missing"])


async def test_ready_turns_503_while_nats_is_down(
    database_url: str, own_nats: EmbeddedNats
) -> None:
    pool = await db.create_pool(database_url, DatabaseSettings(pool_min=1, pool_max=2))
    nc = await jetstream.connect(own_nats.url, "test")
    try:
        async with http(create_app(pool, nc, db.head_revision())) as client:
            own_nats.stop()
            await asyncio.sleep(0.5)
            down = await client.get("/ready")
            own_nats.start(port=own_nats.port)
            assert (await _eventually_ready(client)).status_code == 200
    finally:
        await nc.close()
        await pool.close()
    assert down.status_code == 503
    assert "nats: not connected" in down.json()["missing"]


async def _eventually_ready(client: httpx.AsyncClient, within: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + within
    response = await client.get("/ready")
    while response.status_code != 200 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        response = await client.get("/ready")
    return response
