"""Fixtures that run the ledger's services in-process against the real servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import msgspec
import nats.errors
import pytest
from nats.aio.client import Client

from contracts.outcomes import AppendRequest
from contracts.topology import Topology
from ledger.ingest import leading as ingest
from plumbing import db, jetstream
from plumbing.settings import DatabaseSettings, IngestSettings
from tests.integration.api_story import Story, story
from tests.support import MASTER


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.create_pool(database_url, DatabaseSettings(pool_min=1, pool_max=4))
    yield pool
    await pool.close()


@pytest.fixture
async def nc(nats_url: str) -> AsyncIterator[Client]:
    client = await jetstream.connect(nats_url, "test")
    yield client
    await client.drain()


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Story]:
    """The API's story (``tests.integration.api_story``) on this test's servers; a module
    that tells it otherwise defines its own."""
    async for value in story(pool, nc):
        yield value


@pytest.fixture
async def ingesting(
    pool: asyncpg.Pool, nc: Client, topology: Topology, database_url: str
) -> AsyncIterator[asyncpg.Pool]:
    """The ingest service running on this test's topology; yields the pool to inspect."""
    await jetstream.ensure_topology(nc.jetstream(), topology)
    stop = asyncio.Event()
    running = ingest.run(database_url, nc, topology, IngestSettings(), stop, master=MASTER)
    task = asyncio.create_task(running)
    await wait_for_leader(nc, topology)
    yield pool
    stop.set()
    await asyncio.wait_for(task, 10)


async def wait_for_leader(nc: Client, topology: Topology, within: float = 60.0) -> None:
    """Until a sequencer answers append requests (an empty request records nothing)."""
    empty = msgspec.msgpack.encode(AppendRequest([]))
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await nc.request(topology.append_subject, empty, timeout=1)
            return
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.02)


async def wait_for_count(pool: asyncpg.Pool, expected: int, within: float = 60.0) -> int:
    deadline = asyncio.get_running_loop().time() + within
    count = 0
    while asyncio.get_running_loop().time() < deadline:
        count = int(await pool.fetchval("SELECT count(*) FROM events"))
        if count >= expected:
            return count
        await asyncio.sleep(0.02)
    return count
