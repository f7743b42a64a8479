"""The plans' own packs: call centre, property, kindergarten, 95598 and service hall."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from contracts import builders
from projector.domain.deadlines import Context
from tests.unit.projector.deadlines.story import Story, at

pytestmark = pytest.mark.unit

SH = "Asia/Shanghai"
T0 = at("2026-11-21 09:00", SH)  # a Saturday: the plans' minutes ignore weekends


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def outage() -> Story:
    story = Story().reported(T0, kind="system_outage")
    return story.then(builders.add_note, minutes(1), actor_role="team_lead", text="on it")


def test_given_an_outage_not_restored_then_the_5_10_60_ladder_applies() -> None:
    story = outage().told(minutes(7), "supervisor").told(minutes(10), "operations_manager")
    found = story.obligations("call_centre", now=minutes(30))
    assert found["call_centre/team_lead"].state == "met"
    assert found["call_centre/supervisor"].state == "met_late"
    assert found["call_centre/operations_manager"].state == "met"
    assert found["call_centre/vendor"].due_at == minutes(60)
    assert found["call_centre/vendor"].state == "pending"


def test_given_restoration_at_8_minutes_then_the_10_and_60_minute_steps_are_void() -> None:
    story = outage().told(minutes(4), "supervisor")
    story.then(builders.restore_service, minutes(8), service="CRM")
    found = story.obligations("call_centre", now=minutes(90))
    assert found["call_centre/operations_manager"].state == "not_applicable"
    assert found["call_centre/vendor"].state == "not_applicable"
    assert "service.restored.v1" in (found["call_centre/vendor"].reason or "")


def test_given_restoration_after_10_minutes_then_the_missed_step_stays_missed() -> None:
    story = outage().then(builders.restore_service, minutes(12), service="CRM")
    found = story.obligations("call_centre", now=minutes(90))
    assert found["call_centre/operations_manager"].state == "missed"
    assert found["call_centre/vendor"].state == "not_applicable"


def test_given_a_surge_then_tier_3_runs_30_minutes_from_the_actual_tier_2() -> None:
    story = Story().reported(T0, kind="call_surge")
    story.then(builders.activate_plan, T0, plan_id="surge", level="tier_1")
    story.then(builders.escalate, minutes(35), from_level="tier_1", to_level="tier_2", reason="r")
    found = story.obligations("call_centre", now=minutes(50))
    assert found["call_centre/surge_tier_2"].state == "met_late"
    assert found["call_centre/surge_tier_3"].due_at == minutes(65)
    assert found["call_centre/surge_tier_3"].state == "pending"


@pytest.mark.parametrize(
    ("site_class", "limit", "state"), [("urban", 30, "met_late"), ("other", 60, "met")]
)
def test_given_an_entrapment_then_the_rescue_unit_arrives_within_30_or_60_minutes(
    site_class: str, limit: int, state: str
) -> None:
    story = Story().reported(T0, kind="elevator_entrapment")
    story.then(builders.dispatch_responder, minutes(1), responder="lift co", role="vendor")
    story.then(builders.responder_arrived, minutes(38), responder="lift co", role="vendor")
    found = story.obligations("property", now=minutes(60), context=Context(site_class=site_class))
    rule = f"property/elevator_rescue_{site_class}"
    assert found[rule].due_at == minutes(1 + limit)
    assert found[rule].state == state


def test_given_a_fire_then_superior_in_5_and_staff_on_site_in_10_minutes() -> None:
    story = Story().reported(T0).told(minutes(5), "general_manager")
    story.then(builders.responder_arrived, minutes(11), responder="guards", team="in_house")
    found = story.obligations("property", now=minutes(20))
    assert found["property/superior"].state == "met"
    assert found["property/on_site"].state == "met_late"


def test_given_a_kindergarten_accident_then_the_office_report_is_due_2_hours_after_it() -> None:
    story = Story().reported(minutes(5), kind="injury", detected_at=T0)
    found = story.obligations("kindergarten", now=minutes(100))
    assert found["kindergarten/office_report"].due_at == minutes(120)
    assert found["kindergarten/office_report"].state == "due_soon"


def power_disaster() -> Story:
    aware = at("2026-11-20 06:00", SH)
    story = Story().reported(aware, kind="power_outage")
    story.classified(aware, regimes=("cn_power_disaster",), aware_at=aware)
    return story.filed(at("2026-11-20 06:30", SH), "cn_power_disaster", "initial")


def test_given_a_power_disaster_then_updates_fall_due_at_08_00_and_17_00_daily() -> None:
    story = power_disaster()
    story.filed(at("2026-11-20 07:55", SH), "cn_power_disaster", "intermediate")
    story.filed(at("2026-11-20 17:20", SH), "cn_power_disaster", "intermediate")
    found = story.obligations("power_95598", now=at("2026-11-21 09:00", SH))
    assert found["power_95598/flash"].state == "met"
    updates = {ref: o.state for ref, o in found.items() if "/update#" in ref}
    assert updates == {
        "power_95598/update#2026-11-20T08:00": "met",
        "power_95598/update#2026-11-20T17:00": "met_late",
        "power_95598/update#2026-11-21T08:00": "missed",
        "power_95598/update#2026-11-21T17:00": "pending",
    }


def test_given_the_response_ended_then_no_more_updates_and_a_verified_report_in_48h() -> None:
    story = power_disaster()
    story.then(builders.resolve, at("2026-11-20 12:00", SH), reason="restored")
    found = story.obligations("power_95598", now=at("2026-11-23 00:00", SH))
    assert [ref for ref in found if "/update#" in ref] == ["power_95598/update#2026-11-20T08:00"]
    assert found["power_95598/verified"].due_at == at("2026-11-22 12:00", SH)
    assert found["power_95598/verified"].state == "missed"


def test_given_three_then_four_lines_out_then_general_then_major_response_steps() -> None:
    story = Story().reported(T0, kind="power_outage")
    story.then(builders.activate_plan, minutes(20), plan_id="95598", level="general")
    story.then(builders.take_action, minutes(21), category="staff_added")
    story.then(builders.escalate, minutes(35), from_level="general", to_level="major", reason="4")
    found = story.obligations("power_95598", now=minutes(45))
    assert found["power_95598/general_staffing"].state == "met"
    assert found["power_95598/major_staffing"].anchor_position == 4
    assert found["power_95598/major_staffing"].state == "missed"


def test_given_a_hall_robbery_then_leadership_at_once_and_review_30_days_after_closure() -> None:
    story = Story().reported(T0, kind="robbery").told(minutes(1), "general_manager")
    story.then(builders.close, minutes(60), reason="done")
    found = story.obligations("service_hall", now=minutes(61))
    assert found["service_hall/leadership"].state == "met"
    assert found["service_hall/post_incident_review"].due_at == minutes(60) + timedelta(days=30)
