"""Every obligation explains its due time: the raw time, each step that moved it (business
days, the holiday by name, DORA's noon rule, a fixed clock time, pauses) with the time
before and after, and the due time in the clock's zone."""

from __future__ import annotations

import pytest

from contracts import builders
from projector.domain.deadlines import Context
from tests.unit.projector.deadlines.story import Story, at

pytestmark = pytest.mark.unit

BERLIN, NY = "Europe/Berlin", "America/New_York"
PAYMENT = Context(entity_type="payment_institution", country="DE", timezone=BERLIN)
US = Context(country="US", timezone=NY, subject_to=("sec",))


def dora_initial_filed(aware: str, filed: str) -> Story:
    story = (
        Story()
        .reported(at(aware, BERLIN), kind="cyber_incident")
        .classified(at(aware, BERLIN), severity="sev2", level="major", regimes=("dora",),
                    aware_at=at(aware, BERLIN), classified_major_at=at(aware, BERLIN))
    )  # fmt: skip
    return story.filed(at(filed, BERLIN), "dora", "initial")


def sec_material(when: str) -> Story:
    t = at(when, NY)
    return Story().reported(t, kind="cyber_incident").classified(t, materiality_determined_at=t)


def test_given_72h_ending_on_a_sunday_when_explained_then_the_noon_rule_step_is_shown() -> None:
    # Given the initial notification filed Thursday 14:00, the intermediate report's 72 h
    story = dora_initial_filed("2026-11-19 08:00", "2026-11-19 14:00")
    # When it is judged
    found = story.obligations("dora", now=at("2026-11-20 09:00", BERLIN), context=PAYMENT)
    report = found["dora/intermediate"]
    # Then the raw time is Sunday 14:00 and the noon rule moved it to Monday noon
    assert report.raw_due_at == at("2026-11-22 14:00", BERLIN)
    [noon] = report.adjustments
    assert noon.kind == "noon_rule"
    assert (noon.before, noon.after) == (
        at("2026-11-22 14:00", BERLIN),
        at("2026-11-23 12:00", BERLIN),
    )
    assert "Sunday 2026-11-22" in noon.detail
    assert report.due_at == noon.after
    assert (report.zone, report.due_local) == (BERLIN, "2026-11-23T12:00:00+01:00")
    assert report.anchor_type == "report.filed.v1"


def test_given_72h_ending_on_christmas_when_explained_then_the_holiday_is_named() -> None:
    story = dora_initial_filed("2026-12-22 08:00", "2026-12-22 10:00")
    found = story.obligations("dora", now=at("2026-12-23 09:00", BERLIN), context=PAYMENT)
    [noon] = found["dora/intermediate"].adjustments
    # Friday 25 December: Christmas Day (German calendar's name); the next working day is
    # Monday 28th (Saturday, and Sunday the second day of Christmas, are days off too).
    assert "Christmas Day" in noon.detail
    assert (noon.before, noon.after) == (
        at("2026-12-25 10:00", BERLIN),
        at("2026-12-28 12:00", BERLIN),
    )


def test_given_a_credit_institution_when_explained_then_no_step_and_raw_equals_due() -> None:
    story = dora_initial_filed("2026-11-19 08:00", "2026-11-19 14:00")
    bank = Context(entity_type="credit_institution", country="DE", timezone=BERLIN)
    report = story.obligations("dora", now=at("2026-11-20 09:00", BERLIN), context=bank)[
        "dora/intermediate"
    ]
    assert report.adjustments == ()
    assert report.raw_due_at == report.due_at == at("2026-11-22 14:00", BERLIN)


def test_given_sec_8k_when_explained_then_17_30_new_york_is_local_and_22_30_utc() -> None:
    # Given materiality determined Thursday 29 October 2026, 15:00 New York
    story = sec_material("2026-10-29 15:00")
    # When the 8-K obligation is judged
    form = story.obligations("sec", now=at("2026-10-30 09:00", NY), context=US)["sec/form_8k"]
    # Then it is due Wednesday 4 November at 17:30 in New York (EST, UTC-5), 22:30Z
    assert form.due_local == "2026-11-04T17:30:00-05:00"
    assert form.due_at == at("2026-11-04 22:30")
    assert form.zone == NY
    # Raw: four calendar days later, Monday 2 November at 15:00; the weekend moved it two
    # days on; the EDGAR cutoff set 17:30.
    assert form.raw_due_at == at("2026-11-02 15:00", NY)
    weekend, cutoff = form.adjustments
    assert weekend.kind == "business_days"
    assert weekend.detail == "weekend: Saturday 2026-10-31, Sunday 2026-11-01"
    assert (weekend.before, weekend.after) == (
        at("2026-11-02 15:00", NY),
        at("2026-11-04 15:00", NY),
    )
    assert cutoff.kind == "cutoff"
    assert (cutoff.before, cutoff.after) == (at("2026-11-04 15:00", NY), form.due_at)


def test_given_sec_8k_across_thanksgiving_when_explained_then_the_holiday_is_named() -> None:
    story = sec_material("2026-11-24 10:00")
    form = story.obligations("sec", now=at("2026-11-25 09:00", NY), context=US)["sec/form_8k"]
    kinds = [(a.kind, a.detail) for a in form.adjustments]
    assert kinds == [
        ("holiday", "holiday: Thanksgiving Day 2026-11-26"),
        ("business_days", "weekend: Saturday 2026-11-28, Sunday 2026-11-29"),
        ("cutoff", "due at 17:30 local time on the day (America/New_York)"),
    ]
    chain = [form.raw_due_at, *(a.after for a in form.adjustments)]
    assert [a.before for a in form.adjustments] == chain[:-1]
    assert chain[-1] == form.due_at == at("2026-12-01 17:30", NY)


def test_given_a_paused_deadline_when_explained_then_the_pause_is_a_step() -> None:
    # Given the DORA initial notification paused for two hours
    story = (
        Story()
        .reported(at("2026-11-18 08:00", BERLIN), kind="cyber_incident")
        .classified(at("2026-11-18 09:00", BERLIN), severity="sev2", level="major",
                    regimes=("dora",), classified_major_at=at("2026-11-18 09:00", BERLIN))
        .then(builders.pause_deadline, at("2026-11-18 10:00", BERLIN), deadline_ref="dora/initial",
              reason="authority asked", authorised_by="ciso")
        .then(builders.resume_deadline, at("2026-11-18 12:00", BERLIN),
              deadline_ref="dora/initial", authorised_by="ciso", reason="answered")
    )  # fmt: skip
    # When judged
    initial = story.obligations("dora", now=at("2026-11-18 12:30", BERLIN), context=PAYMENT)[
        "dora/initial"
    ]
    # Then the pause moved 13:00 to 15:00
    [pause] = initial.adjustments
    assert pause.kind == "pause"
    assert (pause.before, pause.after) == (
        at("2026-11-18 13:00", BERLIN),
        at("2026-11-18 15:00", BERLIN),
    )
    assert initial.due_at == pause.after
