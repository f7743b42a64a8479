"""Given the API reading from a streaming replica of the ledger's PostgreSQL (pgserver's
binaries, ``pg_basebackup -R``), when the replica lags behind what a client has just
recorded, then a read with that ``min_position`` waits for it or answers 503, and the
reads that write the access log are served by the primary all along."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from ledger import db, tokens
from ledger.api.app import create_app
from ledger.settings import DatabaseSettings
from ledger.stack.postgres import EmbeddedPostgres
from ledger.stack.replica import EmbeddedReplica
from tests.integration.api_story import Story, outage

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A primary with the ledger migrated, and its streaming replica."""
    directory = tmp_path_factory.mktemp("replicated")
    primary = EmbeddedPostgres(directory)
    url = asyncio.run(db.ensure_database(primary.start(), "ledger"))
    db.migrate_sync(url)
    replica = EmbeddedReplica(directory, primary.url)
    try:
        replica.start()
        yield url, db.with_database(replica.url, "ledger")
    finally:
        replica.stop()
        primary.stop()


@pytest.fixture
async def told(servers: tuple[str, str], tmp_path: Path) -> AsyncIterator[Story]:
    primary_url, replica_url = servers
    settings = DatabaseSettings(pool_min=1, pool_max=2)
    pool = await db.create_pool(primary_url, settings)
    replica = await db.create_pool(replica_url, settings)
    roles = ("auditor", "clerk")
    keys = {r: (await tokens.create(pool, role=r, name=f"replica {r}"))[1] for r in roles}
    app = create_app(pool, None, db.head_revision(), read_pool=replica)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ledger") as client:
        yield Story(client, pool, keys)
    await replica.close()
    await pool.close()


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
    caught_up = await told.get("/v1/audit/checkpoints/latest", min_position=head)
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
    assert int(answer.headers["X-Ledger-Position"]) >= head + 1
