"""The deadline state machine is defined once (``obligation.py``): which states are open,
which the clock alone turns, and the SQL that turns a stored state at read time. Every
reader (the fold's open count, the answers' next turning instant, the API's live state,
the alert scheduler) takes it from there; these tests hold the copies to it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from projector.domain.deadlines.obligation import (
    OPEN,
    STATES,
    TURNING,
    Evidence,
    Instance,
    clock_sql,
    judge,
    turning_sql,
)

pytestmark = pytest.mark.unit

DUE = datetime(2026, 3, 1, 12, tzinfo=UTC)
LEAD = timedelta(hours=1)


def _by_the_clock(now: datetime) -> str:
    state, _, _ = judge(Instance(ref="p/r", anchor=None, due=DUE), Evidence(), now, LEAD)
    return state


def test_open_and_turning_states_are_states_and_turning_ones_are_open() -> None:
    assert set(OPEN) <= set(STATES)
    assert set(TURNING) <= set(OPEN)


def test_given_no_evidence_the_judge_moves_only_through_the_turning_states_then_missed() -> None:
    early, within_lead, late = DUE - 2 * LEAD, DUE - LEAD / 2, DUE + LEAD
    assert [_by_the_clock(t) for t in (early, within_lead, late)] == [*TURNING, "missed"]


def test_the_sql_turns_exactly_the_states_the_judge_turns_into_what_it_turns_them() -> None:
    sql = clock_sql("now()")
    listed = re.search(r"state IN \(([^)]*)\)", sql)
    assert listed is not None
    assert tuple(s.strip(" '") for s in listed.group(1).split(",")) == TURNING
    assert f"WHEN state = '{TURNING[0]}'" in sql
    assert re.findall(r"THEN '(\w+)'", sql) == ["missed", TURNING[1]]
    assert turning_sql() == listed.group(0)
