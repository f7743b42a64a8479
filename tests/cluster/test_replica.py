"""Given the API reading from a streaming replica of the ledger's PostgreSQL (pgserver's
binaries, ``pg_basebackup -R``), when the replica lags behind what a client has just
recorded, then a read with that ``min_position`` waits for it or answers 503, and the
reads that write the access log are served by the primary all along; when the replica
stops, reads move to the primary, and back once it returns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlunsplit

import asyncpg
import httpx
import pytest
from litestar import Litestar
from nats.aio.client import Client

from incident_ledger.stack.embedded_replica import EmbeddedReplica
from incident_ledger.stack.postgres import EmbeddedPostgres
from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db, jetstream
from plumbing.settings import DatabaseSettings
from tests.integration.api_story import Story, outage
from tests.integration.test_api import http

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedReplica]:
    """A primary with the ledger migrated, and its streaming replica."""
    directory = tmp_path_factory.mktemp("replicated")
    primary = EmbeddedPostgres(directory)
    asyncio.run(db.ensure_database(primary.start(), "ledger"))
    db.migrate_sync(db.with_database(primary.url, "ledger"))
    replica = EmbeddedReplica(directory, primary.url)
    try:
        replica.start()
        yield replica
    finally:
        replica.stop()
        primary.stop()


@pytest.fixture
def servers(replicated: EmbeddedReplica) -> tuple[str, str]:
    primary = db.with_database(urlunsplit(replicated.primary), "ledger")
    return primary, db.with_database(replicated.url, "ledger")


class Replicated(Story):
    def __init__(
        self,
        client: httpx.AsyncClient,
        pool: asyncpg.Pool,
        keys: dict[str, str],
        nc: Client,
        app: Litestar,
    ) -> None:
        super().__init__(client, pool, keys, nc)
        self.app = app  # its lifespan runs the replica watch


@pytest.fixture
async def told(
    servers: tuple[str, str], tmp_path: Path, nats_url: str
) -> AsyncIterator[Replicated]:
    """The API over a primary and its replica; events recorded through the writer (whose
    confirmations need a NATS)."""
    primary_url, replica_url = servers
    nc = await jetstream.connect(nats_url, "test")
    settings = DatabaseSettings(pool_min=1, pool_max=2)
    pool = await db.create_pool(primary_url, settings)
    replica = await db.create_pool(replica_url, settings)
    roles = ("auditor", "clerk")
    keys = {r: (await tokens.create(pool, role=r, name=f"replica {r}"))[1] for r in roles}
    app = create_app(pool, None, db.head_revision(), read_pool=replica, read_url=replica_url)
    async with http(app) as client:
        yield Replicated(client, pool, keys, nc, app)
    await replica.close()
    await pool.close()
    await nc.drain()


async def _replay(replica_url: str, paused: bool) -> None:
    conn = await asyncpg.connect(db.with_database(replica_url, "postgres"))
    try:
        await conn.execute(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")
    finally:
        await conn.close()


async def test_a_lagging_replica_is_waited_for_or_answers_503(
    told: Story, servers: tuple[str, str]
) -> None:
    await told.append(outage("REP-1", minutes_ago=3))
    head = int(await told.pool.fetchval("SELECT max(position) FROM events"))
    caught_up = await _reached(told, head)
    assert int(caught_up.headers["X-Ledger-Position"]) >= head  # streamed within patience
    await _replay(servers[1], paused=True)
    try:
        await told.append(outage("REP-2", minutes_ago=2))
        behind = await told.get("/v1/audit/checkpoints/latest", min_position=head + 1)
        assert behind.status_code == 503, behind.text
        assert behind.headers["Retry-After"] == "1"
        timeline = await told.get("/v1/incidents/REP-2/timeline", min_position=head + 1)
        assert timeline.status_code == 200, timeline.text  # audited: read on the primary
        asking = asyncio.create_task(
            told.get("/v1/audit/checkpoints/latest", min_position=head + 1)
        )
        await asyncio.sleep(0.3)
    finally:
        await _replay(servers[1], paused=False)
    answer = await asking
    if answer.status_code == 503:  # resuming replay took longer than the 2 s of patience
        answer = await _reached(told, head + 1)
    assert int(answer.headers["X-Ledger-Position"]) >= head + 1


async def _reached(told: Story, position: int, within: float = 30.0) -> httpx.Response:
    """The latest checkpoint as of ``position``, asked again while the replica is behind
    for longer than the API's patience (a loaded machine replays slowly)."""
    deadline = asyncio.get_running_loop().time() + within
    path = "/v1/audit/checkpoints/latest"
    while (answer := await told.get(path, min_position=position)).status_code == 503:
        assert asyncio.get_running_loop().time() < deadline, answer.text
    return answer


async def _answered(told: Story, path: str, within: float = 30.0) -> httpx.Response:
    """The first answer other than 503 (the watch notices a change within seconds)."""
    deadline = asyncio.get_running_loop().time() + within
    while (answer := await told.get(path)).status_code == 503:
        assert asyncio.get_running_loop().time() < deadline, answer.text
        await asyncio.sleep(0.2)
    return answer


async def test_a_stopped_replica_sends_reads_to_the_primary_until_it_returns(
    told: Replicated, replicated: EmbeddedReplica
) -> None:
    async with told.app.lifespan():
        await _outage_and_return(told, replicated)


async def _outage_and_return(told: Replicated, replicated: EmbeddedReplica) -> None:
    await told.append(outage("REP-3", minutes_ago=1))
    port = replicated.port
    replicated.stop()
    try:
        latest = await _answered(told, "/v1/audit/checkpoints/latest")
        assert latest.status_code in (200, 404), latest.text  # none signed here: 404
        deadline = asyncio.get_running_loop().time() + 10
        while not (ready := (await told.client.get("/ready")).json())["degraded"]:
            assert asyncio.get_running_loop().time() < deadline, ready
            await asyncio.sleep(0.2)
        assert ready["degraded"][0].startswith("replica: "), ready
        head = int(await told.pool.fetchval("SELECT max(position) FROM events"))
        caught_up = await told.get("/v1/audit/checkpoints/latest", min_position=head)
        assert int(caught_up.headers["X-Ledger-Position"]) >= head  # the primary's head
    finally:
        replicated.start(port=port)
    deadline = asyncio.get_running_loop().time() + 15
    while (await told.client.get("/ready")).json()["degraded"]:
        assert asyncio.get_running_loop().time() < deadline, "the replica was not used again"
        await asyncio.sleep(0.2)
