"""DORA, NIS2 and GDPR: hand-computed due times, weekends, holidays, DST, month ends."""

from __future__ import annotations

import pytest

from projector.domain.deadlines import Context
from tests.unit.projector.deadlines.story import Story, at

pytestmark = pytest.mark.unit

BERLIN = "Europe/Berlin"
PAYMENT = Context(entity_type="payment_institution", country="DE", timezone=BERLIN)
BANK = Context(entity_type="credit_institution", country="DE", timezone=BERLIN)


def dora_major(aware: str, classified: str) -> Story:
    return (
        Story()
        .reported(at(aware, BERLIN), kind="cyber_incident")
        .classified(
            at(classified, BERLIN),
            severity="sev2",
            level="major",
            regimes=("dora",),
            aware_at=at(aware, BERLIN),
            classified_major_at=at(classified, BERLIN),
        )
    )


def test_given_classification_soon_after_awareness_when_judged_then_4h_after_it_wins() -> None:
    story = dora_major("2026-11-20 16:00", "2026-11-20 18:00")
    initial = story.obligations("dora", now=at("2026-11-20 19:00", BERLIN), context=PAYMENT)
    assert initial["dora/initial"].due_at == at("2026-11-20 22:00", BERLIN)
    assert initial["dora/initial"].anchor_position == 2
    assert initial["dora/initial"].state == "pending"


def test_given_late_classification_when_judged_then_24h_after_awareness_wins() -> None:
    story = dora_major("2026-11-19 09:00", "2026-11-20 07:00")
    initial = story.obligations("dora", now=at("2026-11-20 08:30", BERLIN), context=PAYMENT)
    assert initial["dora/initial"].due_at == at("2026-11-20 09:00", BERLIN)
    assert initial["dora/initial"].state == "due_soon"


def test_given_classification_after_24h_when_judged_then_4h_from_classification() -> None:
    story = dora_major("2026-11-16 09:00", "2026-11-17 12:00")
    initial = story.obligations("dora", now=at("2026-11-17 12:00", BERLIN), context=PAYMENT)
    assert initial["dora/initial"].due_at == at("2026-11-17 16:00", BERLIN)


def test_given_initial_submitted_thursday_when_72h_fall_on_sunday_then_noon_monday() -> None:
    story = dora_major("2026-11-19 08:00", "2026-11-19 10:00")
    story.filed(at("2026-11-19 14:00", BERLIN), "dora", "initial")
    found = story.obligations("dora", now=at("2026-11-20 09:00", BERLIN), context=PAYMENT)
    assert found["dora/initial"].state == "met"
    assert found["dora/intermediate"].anchor_position == 3
    assert found["dora/intermediate"].due_at == at("2026-11-23 12:00", BERLIN)


def test_given_a_credit_institution_when_72h_fall_on_sunday_then_no_noon_shift() -> None:
    story = dora_major("2026-11-19 08:00", "2026-11-19 10:00")
    story.filed(at("2026-11-19 14:00", BERLIN), "dora", "initial")
    found = story.obligations("dora", now=at("2026-11-20 09:00", BERLIN), context=BANK)
    assert found["dora/intermediate"].due_at == at("2026-11-22 14:00", BERLIN)


def test_given_the_nca_disapplied_the_noon_rule_then_no_shift() -> None:
    story = dora_major("2026-11-19 08:00", "2026-11-19 10:00")
    story.filed(at("2026-11-19 14:00", BERLIN), "dora", "initial")
    context = Context(country="DE", timezone=BERLIN, noon_rule_disapplied=True)
    found = story.obligations("dora", now=at("2026-11-20 09:00", BERLIN), context=context)
    assert found["dora/intermediate"].due_at == at("2026-11-22 14:00", BERLIN)


def test_given_72h_ending_on_christmas_then_noon_of_the_next_working_day() -> None:
    story = dora_major("2026-12-22 08:00", "2026-12-22 09:00")
    story.filed(at("2026-12-22 10:00", BERLIN), "dora", "initial")
    found = story.obligations("dora", now=at("2026-12-23 09:00", BERLIN), context=PAYMENT)
    # Fri 25 and Sat 26 are holidays, Sun 27 a weekend day: Monday 28 at noon.
    assert found["dora/intermediate"].due_at == at("2026-12-28 12:00", BERLIN)


def test_given_72h_across_the_october_dst_change_then_elapsed_hours_count() -> None:
    story = dora_major("2026-10-23 06:00", "2026-10-23 07:00")
    story.filed(at("2026-10-23 10:00", BERLIN), "dora", "initial")
    found = story.obligations("dora", now=at("2026-10-24 09:00", BERLIN), context=BANK)
    # 72 elapsed hours from 10:00 CEST (08:00 UTC) is 08:00 UTC, i.e. 09:00 CET.
    assert found["dora/intermediate"].due_at == at("2026-10-26 09:00", BERLIN)


def test_given_two_intermediates_when_the_last_is_on_31_january_then_final_at_month_end() -> None:
    story = dora_major("2027-01-20 08:00", "2027-01-20 09:00")
    story.filed(at("2027-01-20 11:00", BERLIN), "dora", "initial")
    story.filed(at("2027-01-22 11:00", BERLIN), "dora", "intermediate")
    story.filed(at("2027-01-31 10:00", BERLIN), "dora", "intermediate")
    found = story.obligations("dora", now=at("2027-02-01 09:00", BERLIN), context=BANK)
    assert found["dora/intermediate"].state == "met"
    assert found["dora/final"].anchor_position == 5
    # One month from 31 January is 28 February 2027, a Sunday: noon Monday 1 March,
    # even for a credit institution (Art. 5(5) exempts only initial and intermediate).
    assert found["dora/final"].due_at == at("2027-03-01 12:00", BERLIN)


def test_given_no_dora_tag_then_no_dora_obligation() -> None:
    story = (
        Story()
        .reported(at("2026-11-20 16:00", BERLIN))
        .classified(
            at("2026-11-20 16:10", BERLIN), level="major", aware_at=at("2026-11-20 16:00", BERLIN)
        )
    )
    assert story.obligations("dora", now=at("2026-11-21 00:00"), context=PAYMENT) == {}


def gdpr_breach() -> Story:
    aware = at("2026-11-20 09:00", "Europe/Paris")
    return (
        Story()
        .reported(aware, kind="data_breach")
        .classified(aware, regimes=("gdpr",), aware_at=aware)
    )


def test_given_a_breach_on_friday_then_72h_run_through_the_weekend() -> None:
    found = gdpr_breach().obligations("gdpr", now=at("2026-11-21 09:00"))
    assert found["gdpr/supervisory_authority"].due_at == at("2026-11-23 09:00", "Europe/Paris")


def test_given_a_late_notice_with_a_reason_then_met_late_with_that_reason() -> None:
    story = gdpr_breach()
    story.note(at("2026-11-23 08:00", "Europe/Paris"), "gdpr/supervisory_authority: forensics")
    story.filed(at("2026-11-24 10:00", "Europe/Paris"), "gdpr", "initial")
    notice = story.obligations("gdpr", now=at("2026-11-25 00:00"))["gdpr/supervisory_authority"]
    assert (notice.state, notice.reason) == ("met_late", "forensics")
    assert notice.satisfied_position == 4


def test_given_a_late_notice_without_a_reason_then_met_late_flagged() -> None:
    story = gdpr_breach().filed(at("2026-11-24 10:00", "Europe/Paris"), "gdpr", "initial")
    notice = story.obligations("gdpr", now=at("2026-11-25 00:00"))["gdpr/supervisory_authority"]
    assert notice.state == "met_late"
    assert notice.reason == "late, and no reason for the delay was recorded"


def test_given_no_notice_after_72h_then_missed() -> None:
    notice = gdpr_breach().obligations("gdpr", now=at("2026-11-23 08:01"))
    assert notice["gdpr/supervisory_authority"].state == "missed"


def test_given_nis2_when_notification_on_31_january_then_final_on_28_february() -> None:
    aware = at("2026-01-29 09:00")
    story = (
        Story()
        .reported(aware, kind="cyber_incident")
        .classified(aware, regimes=("nis2",), aware_at=aware)
        .filed(at("2026-01-30 08:00"), "nis2", "initial")
        .filed(at("2026-01-31 08:00"), "nis2", "intermediate")
    )
    found = story.obligations("nis2", now=at("2026-02-01 00:00"))
    assert found["nis2/early_warning"].due_at == at("2026-01-30 09:00")
    assert found["nis2/early_warning"].state == "met"
    assert found["nis2/notification"].due_at == at("2026-02-01 09:00")
    assert found["nis2/notification"].state == "met"
    assert found["nis2/final"].due_at == at("2026-02-28 08:00")
    assert found["nis2/final"].state == "pending"


def test_given_nis2_then_its_stages_are_the_directives_own_and_filings_under_them_count() -> None:
    aware = at("2026-01-29 09:00")
    story = (
        Story()
        .reported(aware, kind="cyber_incident")
        .classified(aware, regimes=("nis2",), aware_at=aware)
        .filed(at("2026-01-30 08:00"), "nis2", "early_warning")
        .filed(at("2026-01-31 08:00"), "nis2", "incident_notification")
    )
    found = story.obligations("nis2", now=at("2026-02-01 00:00"))
    stages = {ref: o.stage for ref, o in found.items()}
    assert stages == {
        "nis2/early_warning": "early_warning",
        "nis2/notification": "incident_notification",
        "nis2/final": "final",
    }
    assert found["nis2/early_warning"].state == "met"
    assert found["nis2/notification"].state == "met"
    assert found["nis2/final"].due_at == at("2026-02-28 08:00")
