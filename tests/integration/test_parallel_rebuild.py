"""A rebuild folded by several processes, one per partition of the incidents, gives the
same read models as one process, also when it resumes an interrupted attempt."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from nats.aio.client import Client

from incident_ledger.simulation import history
from projector.domain.models import Config
from projector.follow import model_rows as store
from projector.follow import parallel, runner, tables
from tests import seeding
from tests.integration.test_projector import config, snapshot

pytestmark = pytest.mark.integration
__all__ = ["config"]


@pytest.fixture(autouse=True)
def parallel_from_the_first_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)


async def _recorded(conn: asyncpg.Connection, nc: Client, n: int) -> None:
    events = seeding.catch_all() + history(n, now=datetime.now(UTC), seed=7)
    await seeding.append(conn, nc, events, origin="test")


async def test_two_workers_build_what_one_process_builds(
    database_url: str, nc: Client, config: Config
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await _recorded(conn, nc, 3000)
        await runner.rebuild(conn, config)
        alone = await snapshot(conn)
        generation = await runner.rebuild(conn, config, workers=parallel.Workers(database_url, 2))
        assert await snapshot(conn) == alone
        assert not await parallel.pending(conn, generation)
        assert await runner.lag(conn, generation) == (0, 0.0)
    finally:
        await conn.close()


async def test_an_interrupted_build_resumes_with_another_worker_count(
    database_url: str, nc: Client, config: Config
) -> None:
    """Given a rebuild that three workers had begun before a crash, when it resumes with
    two, then every incident is folded from all of its events."""
    conn = await asyncpg.connect(database_url)
    try:
        await _recorded(conn, nc, 2000)
        await runner.rebuild(conn, config)
        clean = await snapshot(conn)
        generation = (await tables.active(conn) or (0, 0))[0] + 1
        await tables.create(conn, generation)
        await _begun_by_three(conn, generation, config)
        assert await parallel.pending(conn, generation)
        workers = parallel.Workers(database_url, 2)
        assert await runner.rebuild(conn, config, resume=True, workers=workers) == generation
        assert await snapshot(conn) == clean
        assert not await parallel.pending(conn, generation)
    finally:
        await conn.close()


async def _begun_by_three(conn: asyncpg.Connection, generation: int, config: Config) -> None:
    await store.set_checkpoint(conn, tables.checkpoint_name(generation), 0)
    for k, steps in ((0, 3), (1, 1), (2, 0)):
        partition = (k, 3)
        await store.set_checkpoint(conn, tables.checkpoint_name(generation, partition), 0)
        for _ in range(steps):
            await runner.step(conn, generation, config, 300, partition=partition)
