"""An ingest cycle held up is logged as a stall naming the stage that waited (the append
behind the append lock; the sealing behind an erasure's lock on the sealed values), and
every cycle's stages are in the ingest's histogram on ``/metrics``."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import asyncpg
import pytest
import structlog
from nats.aio.client import Client
from prometheus_client import generate_latest

from contracts.publisher import Publisher
from contracts.topology import Topology
from tests.integration.conftest import wait_for_count
from tests.support import note

pytestmark = pytest.mark.integration

APPEND_LOCK = 7301746716318023680  # the lock events_gapless takes (migration 0001)
WAITING = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"


async def _until(check: Any, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)


async def test_an_append_held_by_a_lock_is_logged_as_a_stall_of_the_append(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, database_url: str
) -> None:
    publisher = Publisher(nc, topology)
    await publisher.publish_json(note("INC-1", "first"))
    await wait_for_count(ingesting, 1)
    holder = await asyncpg.connect(database_url)
    try:
        with structlog.testing.capture_logs() as logs:
            # Given another session holding the ledger's append lock
            async with holder.transaction():
                await holder.execute("SELECT pg_advisory_xact_lock($1)", APPEND_LOCK)
                # when an event comes and its append waits for the lock for 100 ms
                await publisher.publish_json(note("INC-1", "held"))
                await _until(lambda: _waiting(ingesting))
                await asyncio.sleep(0.1)
            await wait_for_count(ingesting, 2)
            await _until(lambda: _logged(logs))
    finally:
        await holder.close()
    # then its cycle is logged as a stall of the append, with each stage's time (the
    # loaded machine may add stalls of its own: the held one is the one of batch 1)
    [stall] = [line for line in logs if line["event"] == "ingest stall" and line["ms"] >= 100]
    assert (stall["stage"], stall["batch"]) == ("append", 1)
    assert stall["stages_ms"]["append"] >= 100
    assert {"fetch", "seal", "sequence", "append", "confirm", "ack"} <= set(stall["stages_ms"])
    assert len(stall["gc_since_last"]) == 3
    assert isinstance(stall["gc_during"], bool)
    # and every stage it went through is in the histogram
    exposed = generate_latest().decode()
    for stage in ("fetch", "decode", "seal", "turn", "sequence", "append", "confirm", "ack"):
        assert f'ledger_ingest_stage_seconds_count{{stage="{stage}"}}' in exposed


async def test_a_sealing_held_by_an_erasure_is_logged_as_a_stall_of_the_seal(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, database_url: str
) -> None:
    publisher = Publisher(nc, topology)
    await publisher.publish_json(note("INC-2", "first"))  # its actor's name is sealed
    await wait_for_count(ingesting, 1)
    holder = await asyncpg.connect(database_url)
    try:
        with structlog.testing.capture_logs() as logs:
            # Given an erasure under way, holding the sealed values (ledger.store.subject_keys)
            async with holder.transaction():
                await holder.execute("LOCK TABLE sealed_values IN SHARE MODE")
                # when an event with a personal value comes and its sealing waits 100 ms
                await publisher.publish_json(note("INC-2", "held"))
                await _until(lambda: _waiting_for_table(ingesting))
                await asyncio.sleep(0.1)
            await wait_for_count(ingesting, 2)
            await _until(lambda: _logged(logs))
    finally:
        await holder.close()
    # then its cycle is logged as a stall of the seal, not of its turn
    [stall] = [line for line in logs if line["event"] == "ingest stall" and line["ms"] >= 100]
    assert (stall["stage"], stall["batch"]) == ("seal", 1)
    assert stall["stages_ms"]["seal"] >= 100
    assert stall["stages_ms"].get("turn", 0) < 100


async def _waiting_for_table(pool: asyncpg.Pool) -> bool:
    return bool(
        await pool.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND NOT granted"
        )
    )


async def _waiting(pool: asyncpg.Pool) -> bool:
    return bool(await pool.fetchval(WAITING))


async def _logged(logs: list[MutableMapping[str, Any]]) -> bool:
    return any(line["event"] == "ingest stall" for line in logs)
