"""SEC 8-K, OSHA and HIPAA: business days, federal holidays, US DST."""

from __future__ import annotations

import pytest

from contracts import builders
from projector.domain.deadlines import Context
from tests.unit.projector.deadlines.story import Story, at

pytestmark = pytest.mark.unit

NY = "America/New_York"
US = Context(country="US", timezone=NY, subject_to=("sec", "osha", "hipaa"))


def material(when: str) -> Story:
    t = at(when, NY)
    return Story().reported(t, kind="cyber_incident").classified(t, materiality_determined_at=t)


def test_given_materiality_before_thanksgiving_then_4_business_days_skip_the_holiday() -> None:
    story = material("2026-11-24 10:00")
    form = story.obligations("sec", now=at("2026-11-25 09:00", NY), context=US)["sec/form_8k"]
    # Wed 25 (1), Thu 26 Thanksgiving, Fri 27 (2), Mon 30 (3), Tue 1 Dec (4), 17:30 ET.
    assert form.due_at == at("2026-12-01 17:30", NY)


def test_given_materiality_before_the_november_dst_change_then_due_in_standard_time() -> None:
    story = material("2026-10-29 15:00")
    form = story.obligations("sec", now=at("2026-10-30 09:00", NY), context=US)["sec/form_8k"]
    # Fri 30 (1), Mon 2 Nov (2), Tue 3 (3), Wed 4 (4); EST is UTC-5.
    assert form.due_at == at("2026-11-04 17:30", NY)
    assert form.due_at == at("2026-11-04 22:30")


def test_given_a_filing_after_the_edgar_cutoff_on_the_last_day_then_met_late() -> None:
    story = material("2026-11-24 10:00")
    story.filed(at("2026-12-01 17:45", NY), "other", "initial", recipient="SEC EDGAR")
    form = story.obligations("sec", now=at("2026-12-02 09:00", NY), context=US)["sec/form_8k"]
    assert form.state == "met_late"


def test_given_a_deployment_not_subject_to_sec_then_no_8k() -> None:
    story = material("2026-11-24 10:00")
    assert story.obligations("sec", now=at("2026-11-25 00:00"), context=Context()) == {}


def casualty(story: Story, when: str, severity: str) -> Story:
    return story.then(builders.record_casualty, at(when, NY), count=1, severity=severity)


def test_given_a_fatality_learned_before_spring_forward_then_8_elapsed_hours() -> None:
    story = casualty(Story().reported(at("2026-03-07 21:00", NY)), "2026-03-07 22:00", "fatal")
    found = story.obligations("osha", now=at("2026-03-08 05:00", NY), context=US)
    # 22:00 EST + 8 h = 07:00 EDT: the clock skipped 02:00-03:00.
    assert found["osha/fatality"].due_at == at("2026-03-08 07:00", NY)
    assert found["osha/fatality"].state == "pending"


def test_given_a_hospitalization_then_24h_and_a_report_to_osha_meets_it() -> None:
    story = casualty(
        Story().reported(at("2026-06-05 09:00", NY)), "2026-06-05 10:00", "hospitalized"
    )
    story.told(at("2026-06-06 08:00", NY), "regulator", recipient_name="OSHA area office")
    found = story.obligations("osha", now=at("2026-06-07 00:00", NY), context=US)
    assert found["osha/severe_injury"].due_at == at("2026-06-06 10:00", NY)
    assert found["osha/severe_injury"].state == "met"
    assert "osha/fatality" not in found


def test_given_a_breach_discovered_in_september_then_60_calendar_days_keep_the_wall_clock() -> None:
    aware = at("2026-09-15 10:00", "America/Chicago")
    story = Story().reported(aware, kind="data_breach").classified(aware, aware_at=aware)
    context = Context(timezone="America/Chicago", country="US", subject_to=("hipaa",))
    found = story.obligations("hipaa", now=at("2026-09-16 00:00"), context=context)
    # 60 days later is 14 November, 10:00 CST (DST ended on 1 November).
    assert found["hipaa/individuals"].due_at == at("2026-11-14 10:00", "America/Chicago")
