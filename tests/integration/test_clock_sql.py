"""The SQL the clock rules are rendered to (the API's live state, the alert scheduler's kind)
judges a stored obligation as ``judge`` does, on real PostgreSQL, at the edges: the lead
instant and the due instant, which is still in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from projector.domain.deadlines.obligation import Evidence, Instance, clock_sql, judge

pytestmark = pytest.mark.integration

DUE = datetime(2026, 3, 1, 12, tzinfo=UTC)
LEAD = timedelta(hours=1)
TICK = timedelta(microseconds=1)  # PostgreSQL's timestamptz resolution
_LIVE = f"""
SELECT {clock_sql("$3")} FROM (VALUES ($1::text, $2::timestamptz, $4::double precision))
  AS stored(state, due_at, lead_seconds)
"""


def _judged(now: datetime) -> str:
    state, _, _ = judge(Instance(ref="p/r", anchor=None, due=DUE), Evidence(), now, LEAD)
    return state


@pytest.mark.parametrize("stored", ["pending", "due_soon"])
async def test_given_a_stored_open_obligation_the_sql_and_the_judge_agree_at_the_edges(
    database_url: str, stored: str
) -> None:
    instants = [DUE - LEAD - TICK, DUE - LEAD, DUE - TICK, DUE, DUE + TICK]
    conn = await asyncpg.connect(database_url)
    try:
        sql = [
            await conn.fetchval(_LIVE, stored, DUE, now, LEAD.total_seconds()) for now in instants
        ]
    finally:
        await conn.close()
    # A row is stored due_soon only once its lead time has begun: before that, it stays so.
    python = [_judged(now) for now in instants]
    if stored == "due_soon":
        python[0] = "due_soon"
    assert sql == python
    assert sql[3] == "due_soon"  # at exactly the due instant: still in time
