"""CN production safety (Order 493), public health, cyber reporting and insurer notice."""

from __future__ import annotations

import pytest

from contracts import builders
from projector.domain.deadlines import Context
from tests.unit.projector.deadlines.story import Story, at

pytestmark = pytest.mark.unit

SH = "Asia/Shanghai"
CN = Context(country="CN", timezone=SH)


def accident(kind: str = "injury") -> Story:
    return (
        Story()
        .reported(at("2026-10-01 10:00", SH), kind=kind)
        .classified(at("2026-10-01 10:02", SH), regimes=("cn_work_safety",))
        .told(at("2026-10-01 10:04", SH), "general_manager")
    )


def hurt(story: Story, when: str, count: int = 1) -> Story:
    return story.then(builders.record_casualty, at(when, SH), count=count, severity="hospitalized")


def test_given_the_unit_head_told_on_national_day_then_county_report_within_1_hour() -> None:
    found = accident().obligations("cn_work_safety", now=at("2026-10-01 10:30", SH), context=CN)
    assert found["cn_work_safety/unit_head"].state == "met"
    assert found["cn_work_safety/county_report"].anchor_position == 3
    assert found["cn_work_safety/county_report"].due_at == at("2026-10-01 11:04", SH)


def test_given_a_casualty_change_then_a_30_day_supplementary_window_opens() -> None:
    story = accident().filed(at("2026-10-01 10:50", SH), "cn_work_safety", "initial")
    hurt(story, "2026-10-03 09:00")
    found = story.obligations("cn_work_safety", now=at("2026-10-04 00:00", SH), context=CN)
    assert found["cn_work_safety/county_report"].state == "met"
    assert found["cn_work_safety/supplementary#5"].due_at == at("2026-11-02 09:00", SH)


def test_given_two_changes_before_the_report_then_the_first_window_is_superseded() -> None:
    story = accident().filed(at("2026-10-01 10:50", SH), "cn_work_safety", "initial")
    hurt(story, "2026-10-03 09:00")
    hurt(story, "2026-10-05 09:00")
    story.filed(at("2026-10-06 09:00", SH), "cn_work_safety", "supplementary")
    found = story.obligations("cn_work_safety", now=at("2026-10-07 00:00", SH), context=CN)
    assert found["cn_work_safety/supplementary#5"].state == "superseded"
    assert found["cn_work_safety/supplementary#6"].state == "met"


def test_given_a_fire_then_the_supplementary_window_is_7_days() -> None:
    story = accident("fire").filed(at("2026-10-01 10:50", SH), "cn_work_safety", "initial")
    hurt(story, "2026-10-03 09:00")
    found = story.obligations("cn_work_safety", now=at("2026-10-11 00:00", SH), context=CN)
    assert found["cn_work_safety/supplementary_fire#5"].due_at == at("2026-10-10 09:00", SH)
    assert found["cn_work_safety/supplementary_fire#5"].state == "missed"
    assert "cn_work_safety/supplementary#5" not in found


def test_given_food_poisoning_discovered_at_noon_then_health_report_by_two() -> None:
    story = Story().reported(
        at("2026-05-01 12:05", SH), kind="food_poisoning", detected_at=at("2026-05-01 12:00", SH)
    )
    story.classified(at("2026-05-01 12:10", SH), regimes=("cn_public_health",))
    found = story.obligations("cn_public_health", now=at("2026-05-01 13:45", SH), context=CN)
    assert found["cn_public_health/county_health"].due_at == at("2026-05-01 14:00", SH)
    assert found["cn_public_health/county_health"].state == "due_soon"


@pytest.mark.parametrize(
    ("operator_class", "rule", "due"),
    [
        ("cii", "cii", "11:00"),
        ("state_organ", "state_organ", "12:00"),
        ("other", "other_operator", "14:00"),
    ],
)
def test_given_a_major_cyber_incident_then_1_2_or_4_hours_by_operator_class(
    operator_class: str, rule: str, due: str
) -> None:
    aware = at("2026-11-02 10:00", SH)
    story = Story().reported(aware, kind="cyber_incident")
    story.classified(aware, severity="sev2", regimes=("cn_cyber",), aware_at=aware)
    context = Context(timezone=SH, operator_class=operator_class)
    found = story.obligations("cn_cyber", now=aware, context=context)
    assert found[f"cn_cyber/{rule}"].due_at == at(f"2026-11-02 {due}", SH)
    assert len(found) == 1


def test_given_handling_ended_then_summary_within_30_days() -> None:
    aware = at("2026-11-02 10:00", SH)
    story = Story().reported(aware, kind="cyber_incident")
    story.classified(aware, severity="sev1", regimes=("cn_cyber",), aware_at=aware)
    story.then(builders.resolve, at("2026-11-03 18:00", SH), reason="handled")
    found = story.obligations("cn_cyber", now=at("2026-11-04 00:00", SH), context=CN)
    assert found["cn_cyber/summary"].due_at == at("2026-12-03 18:00", SH)


def insured_loss(policy: str) -> Story:
    story = Story().reported(at("2026-11-20 10:00", SH), kind="robbery")
    return story.then(
        builders.record_loss,
        at("2026-11-20 10:25", SH),
        loss_id="cash-1",
        category="cash",
        amount_minor=100,
        currency="CNY",
        basis="estimate",
        insured=True,
        policy_ref=policy,
    )


def test_given_an_insured_loss_then_the_default_notice_is_72_hours() -> None:
    found = insured_loss("PA-1").obligations("insurer", now=at("2026-11-21 00:00"), context=CN)
    assert found["insurer/notice"].due_at == at("2026-11-23 10:25", SH)


def test_given_a_policy_with_its_own_notice_period_then_that_period_applies() -> None:
    context = Context(params={"insurer.notice": "48h", "insurer.notice:PA-1": "24h"})
    story = insured_loss("PA-1").told(at("2026-11-21 11:00", SH), "insurer")
    found = story.obligations("insurer", now=at("2026-11-22 00:00"), context=context)
    assert found["insurer/notice"].due_at == at("2026-11-21 10:25", SH)
    assert found["insurer/notice"].state == "met_late"
    other = insured_loss("PA-2").obligations("insurer", now=at("2026-11-21 00:00"), context=context)
    assert other["insurer/notice"].due_at == at("2026-11-22 10:25", SH)
