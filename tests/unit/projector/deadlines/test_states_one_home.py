"""The deadline state machine is defined once (``obligation.py``): which states are open,
which the clock alone turns, and the SQL that turns a stored state at read time. Every
reader (the fold's open count, the answers' next turning instant, the API's live state,
the alert scheduler) takes it from there; these tests hold the copies to it. The due
instant itself is still in time ("within 2 hours" is kept at the second hour): missed is
strictly after due, in Python and in SQL alike."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ledger_api.routes.deadlines import LIVE_STATE
from projector.domain.deadlines.match import Hit
from projector.domain.deadlines.obligation import (
    DUE_SOON_WHEN_LEAD_STARTS,
    MISSED_WHEN_DUE,
    OPEN,
    STATES,
    TURNING,
    Evidence,
    Instance,
    clock_sql,
    due_soon_sql,
    judge,
    missed_sql,
    turning_sql,
)
from projector.follow import alerts
from tests.unit.projector.deadlines.story import Story

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


def test_the_api_live_state_is_the_clock_sql_at_now() -> None:
    assert clock_sql("now()") == LIVE_STATE


def test_the_alert_scheduler_takes_its_kind_and_its_selection_from_the_one_home() -> None:
    query = " ".join(alerts._DUE.split())
    assert f"{clock_sql('$1')} AS kind" in query
    assert f"WHERE {turning_sql()} AND due_at IS NOT NULL AND {due_soon_sql('$1')}" in query
    assert "CASE" not in query.replace(clock_sql("$1"), "")


def test_the_sql_compares_with_the_same_operators_the_judge_uses() -> None:
    assert missed_sql("now()") == f"due_at {MISSED_WHEN_DUE} now()" == "due_at < now()"
    assert due_soon_sql("now()").endswith(f" {DUE_SOON_WHEN_LEAD_STARTS} now()")
    assert missed_sql("now()") in clock_sql("now()")
    assert due_soon_sql("now()") in clock_sql("now()")


def test_given_no_evidence_when_judged_at_exactly_the_due_instant_then_it_is_due_soon() -> None:
    assert _by_the_clock(DUE) == "due_soon"
    assert _by_the_clock(DUE + timedelta(microseconds=1)) == "missed"


def test_given_no_evidence_when_judged_at_exactly_the_lead_instant_then_it_is_due_soon() -> None:
    assert _by_the_clock(DUE - LEAD) == "due_soon"
    assert _by_the_clock(DUE - LEAD - timedelta(microseconds=1)) == "pending"


def test_given_a_report_at_exactly_the_due_instant_then_it_is_met_not_late() -> None:
    fact = Story().reported(DUE).facts[0]
    report = Hit(position=fact.position, at=DUE, fact=fact)
    state, _, _ = judge(
        Instance(ref="p/r", anchor=None, due=DUE), Evidence(satisfier=report), DUE, LEAD
    )
    assert state == "met"
