"""The projector folds the ledger into read models exactly once: incrementally, after
crashes, and in a clean rebuild alike."""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.client import Client

from contracts import scenarios
from incident_ledger.runtime import projector_config
from incident_ledger.simulation import plan
from plumbing.db import with_database
from plumbing.settings import load
from projector.domain.models import Config
from projector.follow import runner, tables
from tests import seeding

pytestmark = pytest.mark.integration

OPEN = {"pending", "due_soon", "missed"}  # time-dependent: judged at the moment of reading


@pytest.fixture(scope="module")
def config() -> Config:
    return projector_config(load({}))


async def record(conn: asyncpg.Connection, nc: Client, names: list[str], seed: int = 0) -> int:
    now = datetime.now(UTC)
    envelopes = [
        t.envelope
        for i, name in enumerate(names)
        for t in plan(name, now=now, speed=math.inf, seed=seed + i)
    ]
    envelopes.sort(key=lambda e: e.occurred_at)
    envelopes = seeding.catch_all() + envelopes  # the incidents' organisation and sites
    batch = await seeding.append(conn, nc, envelopes, origin="test")
    return len(batch.rows)


async def snapshot(conn: asyncpg.Connection) -> dict[str, Any]:
    """The live read models, with time-dependent deadline states folded together."""
    status = await conn.fetch(
        "SELECT incident_id, last_position, status, kind, doc::text"
        " FROM incident_status ORDER BY incident_id"
    )
    losses = await conn.fetch("SELECT incident_id, doc::text FROM losses ORDER BY incident_id")
    deadlines = await conn.fetch(
        "SELECT incident_id, ref, rule, stage, due_at, satisfied_at,"
        " CASE WHEN state = ANY($1::text[]) THEN 'open' ELSE state END AS state"
        " FROM deadlines ORDER BY incident_id, ref",
        sorted(OPEN),
    )
    return {
        "status": [_without_times(dict(r)) for r in status],
        "losses": [dict(r) for r in losses],
        "deadlines": [dict(r) for r in deadlines],
    }


def _without_times(row: dict[str, Any]) -> dict[str, Any]:
    import msgspec

    doc = msgspec.json.decode(row.pop("doc"))
    doc.pop("open_deadlines", None)
    doc.pop("missed_deadlines", None)
    return row | {"doc": doc}


async def test_every_scenario_is_projected(database_url: str, nc: Client, config: Config) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        count = await record(conn, nc, scenarios.scenario_names())
        generation = await runner.prepare(conn, config)
        assert await runner.catch_up(conn, generation, config) == count
        assert await conn.fetchval("SELECT count(*) FROM incident_status") == 10
        kinds = {r["kind"] for r in await conn.fetch("SELECT kind FROM incident_status")}
        assert {"fire", "elevator_entrapment", "robbery"} <= kinds
        assert await conn.fetchval("SELECT count(*) FROM deadlines") > 10
        assert await runner.lag(conn, generation) == (0, 0.0)
    finally:
        await conn.close()


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
async def test_incremental_with_crashes_equals_a_clean_rebuild(
    data: st.DataObject, pg_server_url: str, template_database: str, nc: Client, config: Config
) -> None:
    """Random valid histories, recorded in rounds, folded in batches of random size with
    random crashes before commit: the result equals a clean rebuild."""
    async with fresh_database(pg_server_url, template_database) as url:
        conn = await asyncpg.connect(url)
        try:
            generation = await runner.prepare(conn, config)
            cache = runner.FoldCache()  # survives the crashes: it must notice what they undid
            for round_ in range(data.draw(st.integers(1, 3), label="rounds")):
                names = data.draw(
                    st.lists(st.sampled_from(scenarios.scenario_names()), min_size=1, max_size=4),
                    label="scenarios",
                )
                await record(conn, nc, names, seed=round_ * 10)
                while await _step_or_crash(conn, generation, config, data, cache):
                    pass
            incremental = await snapshot(conn)
            assert await runner.rebuild(conn, config) == generation + 1
            assert await snapshot(conn) == incremental
        finally:
            await conn.close()


async def _step_or_crash(
    conn: asyncpg.Connection,
    generation: int,
    config: Config,
    data: st.DataObject,
    cache: runner.FoldCache,
) -> int:
    """A step of random size, which may first die before committing (its work lost)."""
    limit = data.draw(st.integers(1, 60), label="batch")
    if data.draw(st.booleans(), label="crash"):
        try:
            async with conn.transaction():
                await runner.step(conn, generation, config, limit, cache)
                raise _Crash
        except _Crash:
            pass
    return await runner.step(conn, generation, config, limit, cache)


@contextlib.asynccontextmanager
async def fresh_database(server_url: str, template: str) -> AsyncIterator[str]:
    name = f"ledger_h_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield with_database(server_url, name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


class _Crash(Exception):
    pass


async def test_a_version_bump_rebuilds_beside_the_live_models(
    database_url: str, nc: Client, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await record(conn, nc, ["fire", "robbery"])
        first = await runner.prepare(conn, config)
        before = await snapshot(conn)
        monkeypatch.setattr(runner, "VERSION", runner.VERSION + 1)
        second = await runner.prepare(conn, config)
        assert second == first + 1
        assert await tables.active(conn) == (second, runner.VERSION)
        assert await snapshot(conn) == before
        old = await conn.fetchval("SELECT to_regclass($1)", f"rm_status_g{first}")
        assert old is None
    finally:
        await conn.close()
