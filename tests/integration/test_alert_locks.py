"""The deadline-alert scheduler and the projector's fold write the same deadline rows; the
scheduler never waits for a row the fold holds, so the two cannot deadlock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger.runtime import projector_config
from incident_ledger.simulation import history
from plumbing import jetstream
from plumbing.settings import load
from projector.domain.deadlines.obligation import due_soon_sql, turning_sql
from projector.follow import alerts, runner
from tests import seeding

pytestmark = pytest.mark.integration
HANG = 60  # seconds: a guard against a hang, not a timing assertion

_DUE = f"""
SELECT incident_id, ref FROM deadlines
WHERE {turning_sql()} AND {due_soon_sql("now()")}
ORDER BY incident_id, ref
"""
_VERSION = "SELECT xmin::text FROM rm_deadlines_g{g} WHERE incident_id = $1 AND ref = $2"


async def _projected(conn: asyncpg.Connection, nc: Client) -> int:
    """Backdated scenarios recorded and folded: some deadlines are due soon."""
    events = seeding.catch_all() + history(300, now=datetime.now(UTC))
    await seeding.append(conn, nc, events, origin="t")
    return await runner.prepare(conn, projector_config(load({})))


async def _versions(conn: asyncpg.Connection, g: int, rows: list[asyncpg.Record]) -> list[str]:
    """Each row's version: a row the scheduler marks is written anew."""
    return [await conn.fetchval(_VERSION.format(g=g), r["incident_id"], r["ref"]) for r in rows]


async def test_a_row_the_fold_holds_is_skipped_not_waited_for(
    database_url: str, nc: Client, topology: Topology
) -> None:
    js = nc.jetstream()
    await jetstream.ensure_topology(js, topology)
    conn, fold = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        g = await _projected(conn, nc)
        due = await conn.fetch(_DUE)
        assert due, "the scenarios leave deadlines due soon"
        before = await _versions(conn, g, due)
        # Given the fold mid-save, holding one due row (as its upsert does)...
        transaction = fold.transaction()
        await transaction.start()
        await fold.execute(
            f"SELECT 1 FROM rm_deadlines_g{g} WHERE incident_id = $1 AND ref = $2 FOR UPDATE",
            due[0]["incident_id"],
            due[0]["ref"],
        )
        # ...when the scheduler ticks, then it ends without waiting for that row: every
        # alert sent, every other row marked, the held one left as the fold has it.
        assert await asyncio.wait_for(alerts.tick(conn, js, topology, g), HANG) == len(due)
        during = await _versions(conn, g, due)
        assert during[0] == before[0]
        assert all(now != then for now, then in zip(during[1:], before[1:], strict=True))
        # And once the fold lets go, the next tick marks it, sending nothing twice.
        await transaction.rollback()
        assert await asyncio.wait_for(alerts.tick(conn, js, topology, g), HANG) == 0
        assert (await _versions(conn, g, due[:1])) != before[:1]
    finally:
        await fold.close()
        await conn.close()
