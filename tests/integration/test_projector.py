"""The projector folds the ledger into read models exactly once: incrementally, after
crashes, and in a clean rebuild alike."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from contracts import scenarios
from ledger import store as ledger_store
from ledger.runtime import projector_config
from ledger.settings import load
from ledger.simulation import plan
from projector import runner, tables
from projector.models import Config

pytestmark = pytest.mark.integration

OPEN = {"pending", "due_soon", "missed"}  # time-dependent: judged at the moment of reading


@pytest.fixture(scope="module")
def config() -> Config:
    return projector_config(load({}))


async def record(conn: asyncpg.Connection, names: list[str], seed: int = 0) -> int:
    now = datetime.now(UTC)
    envelopes = [
        t.envelope
        for i, name in enumerate(names)
        for t in plan(name, now=now, speed=math.inf, seed=seed + i)
    ]
    envelopes.sort(key=lambda e: e.occurred_at)
    batch = await ledger_store.append(conn, envelopes, origin="test")
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


async def test_every_scenario_is_projected(database_url: str, config: Config) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        count = await record(conn, scenarios.scenario_names())
        generation = await runner.prepare(conn, config)
        assert await runner.catch_up(conn, generation, config) == count
        assert await conn.fetchval("SELECT count(*) FROM incident_status") == 10
        kinds = {r["kind"] for r in await conn.fetch("SELECT kind FROM incident_status")}
        assert {"fire", "elevator_entrapment", "robbery"} <= kinds
        assert await conn.fetchval("SELECT count(*) FROM deadlines") > 10
        assert await runner.lag(conn, generation) == (0, 0.0)
    finally:
        await conn.close()


async def test_incremental_with_crashes_equals_a_clean_rebuild(
    database_url: str, config: Config
) -> None:
    rng = random.Random(5)
    conn = await asyncpg.connect(database_url)
    try:
        generation = await runner.prepare(conn, config)
        for round_ in range(4):
            await record(conn, rng.sample(scenarios.scenario_names(), 4), seed=round_ * 10)
            while await _step_or_crash(conn, generation, config, rng):
                pass
        incremental = await snapshot(conn)
        rebuilt = await runner.rebuild(conn, config)
        assert rebuilt == generation + 1
        assert await snapshot(conn) == incremental
    finally:
        await conn.close()


async def _step_or_crash(
    conn: asyncpg.Connection, generation: int, config: Config, rng: random.Random
) -> int:
    """A step of random size; one in three dies before committing (its work is lost)."""
    limit = rng.randint(1, 60)
    if rng.random() < 1 / 3:
        try:
            async with conn.transaction():
                await runner.step(conn, generation, config, limit)
                raise _Crash
        except _Crash:
            pass
    return await runner.step(conn, generation, config, limit)


class _Crash(Exception):
    pass


async def test_a_version_bump_rebuilds_beside_the_live_models(
    database_url: str, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await record(conn, ["fire", "robbery"])
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
