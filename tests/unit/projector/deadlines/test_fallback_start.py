"""Rules that should have started: a clock whose starting act never came runs from its
fallback start, and the obligation says so."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contracts import builders
from projector.domain.deadlines import Context
from tests.unit.projector.deadlines.story import Story, at

pytestmark = pytest.mark.unit

T0 = at("2026-03-02 10:00", "Asia/Shanghai")
URBAN = Context(site_class="urban")
RESCUE = "property/elevator_rescue_urban"


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_given_an_entrapment_nobody_dispatched_for_then_the_rescue_runs_from_the_report() -> None:
    story = Story().reported(T0, kind="elevator_entrapment")
    found = story.obligations("property", now=minutes(31), context=URBAN)[RESCUE]
    assert (found.anchor_position, found.due_at, found.state) == (1, minutes(30), "missed")
    assert found.fallback_start == (
        "runs from the fallback start incident.reported.v1: responder.dispatched.v1 never came"
    )


def test_given_a_dispatch_then_the_rescue_runs_from_it_as_the_regulation_says() -> None:
    story = Story().reported(T0, kind="elevator_entrapment")
    story.then(builders.dispatch_responder, minutes(4), responder="lift co", role="vendor")
    found = story.obligations("property", now=minutes(31), context=URBAN)[RESCUE]
    assert (found.anchor_position, found.due_at, found.state) == (2, minutes(34), "due_soon")
    assert found.fallback_start is None


def test_given_a_surge_the_plan_was_never_activated_for_then_tier_2_runs_from_the_report() -> None:
    story = Story().reported(T0, kind="call_surge")
    found = story.obligations("call_centre", now=minutes(10))["call_centre/surge_tier_2"]
    assert found.due_at == minutes(30)
    assert found.fallback_start is not None
    assert "level tier_1 reached never came" in found.fallback_start


def test_given_no_word_to_the_unit_head_then_the_county_report_runs_from_the_report() -> None:
    story = Story().reported(T0).classified(minutes(2), regimes=("cn_work_safety",))
    found = story.obligations("cn_work_safety", now=minutes(61))["cn_work_safety/county_report"]
    assert (found.due_at, found.state) == (minutes(60), "missed")
    assert found.fallback_start == (
        "runs from the fallback start incident.reported.v1: notification.sent.v1 never came"
    )
    story.told(minutes(70), "general_manager")
    found = story.obligations("cn_work_safety", now=minutes(71))["cn_work_safety/county_report"]
    assert (found.due_at, found.fallback_start) == (minutes(130), None)
