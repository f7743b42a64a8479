"""Waivers, pauses and resumptions, recorded as events and never edited; the fold."""

from __future__ import annotations

from datetime import timedelta
from functools import reduce

import pytest

from contracts import builders
from projector.domain.deadlines import Context, IncidentState, evolve, obligations
from tests.unit.projector.deadlines.story import PACKS, Story, at

pytestmark = pytest.mark.unit

SH = "Asia/Shanghai"
T0 = at("2026-11-20 10:00", SH)


def accident() -> Story:
    story = Story().reported(T0, kind="injury")
    return story.classified(T0, regimes=("cn_work_safety",)).told(T0, "general_manager")


def decide(story: Story, build: object, minutes: int, ref: str, reason: str = "why") -> Story:
    return story.then(
        build,  # type: ignore[arg-type]
        T0 + timedelta(minutes=minutes),
        deadline_ref=ref,
        authorised_by="安全监察部经理",
        reason=reason,
    )


def test_given_a_waiver_naming_the_rule_with_a_dot_then_the_obligation_is_waived() -> None:
    story = decide(accident(), builders.waive_deadline, 30, "cn_work_safety.county_report", "minor")
    county = story.obligations("cn_work_safety", now=T0 + timedelta(hours=3))
    assert county["cn_work_safety/county_report"].state == "waived"
    assert county["cn_work_safety/county_report"].reason == "minor"


def test_given_a_report_before_the_waiver_then_it_stays_met() -> None:
    story = accident().filed(T0 + timedelta(minutes=20), "cn_work_safety", "initial")
    decide(story, builders.waive_deadline, 30, "cn_work_safety/county_report")
    county = story.obligations("cn_work_safety", now=T0 + timedelta(hours=3))
    assert county["cn_work_safety/county_report"].state == "met"


def test_given_a_pause_then_the_clock_stops_and_the_due_time_moves_with_now() -> None:
    story = decide(accident(), builders.pause_deadline, 30, "cn_work_safety/county_report", "scene")
    county = story.obligations("cn_work_safety", now=T0 + timedelta(hours=5))
    assert county["cn_work_safety/county_report"].state == "paused"
    assert county["cn_work_safety/county_report"].reason == "scene"
    assert county["cn_work_safety/county_report"].due_at == T0 + timedelta(hours=5, minutes=30)


def test_given_pause_then_resume_then_due_moves_by_the_paused_time() -> None:
    story = decide(accident(), builders.pause_deadline, 30, "cn_work_safety/county_report")
    decide(story, builders.resume_deadline, 150, "cn_work_safety/county_report")
    story.filed(T0 + timedelta(minutes=175), "cn_work_safety", "initial")
    county = story.obligations("cn_work_safety", now=T0 + timedelta(hours=5))
    assert county["cn_work_safety/county_report"].due_at == T0 + timedelta(minutes=180)
    assert county["cn_work_safety/county_report"].state == "met"


def test_given_a_repeated_obligation_then_one_slot_can_be_waived_by_its_ref() -> None:
    aware = at("2026-11-20 06:00", SH)
    story = Story().reported(aware, kind="power_outage")
    story.classified(aware, regimes=("cn_power_disaster",), aware_at=aware)
    story.filed(aware + timedelta(minutes=20), "cn_power_disaster", "initial")
    decide(story, builders.waive_deadline, 0, "power_95598/update#2026-11-20T08:00")
    found = story.obligations("power_95598", now=at("2026-11-20 09:00", SH))
    assert found["power_95598/update#2026-11-20T08:00"].state == "waived"
    assert found["power_95598/update#2026-11-20T17:00"].state == "pending"


def test_given_a_false_alarm_then_open_obligations_are_not_applicable() -> None:
    story = accident().then(builders.cancel, T0 + timedelta(minutes=10), reason="steam")
    county = story.obligations("cn_work_safety", now=T0 + timedelta(hours=3))
    assert county["cn_work_safety/county_report"].state == "not_applicable"


def test_given_events_folded_one_by_one_then_as_of_equals_a_clean_evaluation() -> None:
    story = accident().filed(T0 + timedelta(minutes=50), "cn_work_safety", "initial")
    packs = [PACKS["cn_work_safety"]]
    now = T0 + timedelta(hours=2)
    for cut in range(1, len(story.facts) + 1):
        state = reduce(evolve, story.facts[:cut], IncidentState())
        incremental = obligations(state, packs, now=now, context=Context())
        clean = Story()
        clean.facts = story.facts[:cut]
        assert {o.ref: o for o in incremental} == clean.obligations("cn_work_safety", now=now)
