"""Stories for the incident_status read model: given these events, when folded, then …"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import builders as b
from contracts.enums import IncidentKind, NotifyChannel, RecipientRole, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from contracts.levels import Basis, CasualtySeverity, Level, LossCategory, Regime, Severity
from contracts.lifecycle import fold as lifecycle_fold
from contracts.scenarios import generate, scenario_names
from projector.domain.facts import Fact
from projector.domain.status import IncidentStatus, as_of, evolve, fold

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 20, 2, 20, tzinfo=UTC)
ENV: dict[str, Any] = {"incident_id": "INC-1", "source": "test", "actor": Actor(id="agent-1")}


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def reported(minute: float = 0) -> Envelope:
    site = Site(name="澎湖湾", location_code="PHW-B2-07")
    return b.report_incident(
        kind=IncidentKind.FIRE,
        title="Smoke",
        site=site,
        channel=ReportChannel.PHONE,
        detected_at=at(minute - 1),
        occurred_at=at(minute),
        **ENV,
    )


def tell(minute: float, role: RecipientRole) -> Envelope:
    return b.notify(recipient_role=role, channel=NotifyChannel.PHONE, occurred_at=at(minute), **ENV)


def dispatched(minute: float) -> Envelope:
    return b.dispatch_responder(responder="guard", occurred_at=at(minute), **ENV)


def arrived(minute: float) -> Envelope:
    return b.responder_arrived(responder="guard", occurred_at=at(minute), **ENV)


def restored(minute: float) -> Envelope:
    return b.restore_service(service="power", occurred_at=at(minute), **ENV)


def ended(builder: Callable[..., Envelope], minute: float) -> Envelope:
    """resolve / close / cancel / reopen, which all take a reason."""
    return builder(reason="because", occurred_at=at(minute), **ENV)


def facts(*envelopes: Envelope, lag: timedelta = timedelta(0)) -> list[Fact]:
    """Recorded in the given order, ``lag`` after each occurred (default: at once)."""
    return [Fact(i, i, e.occurred_at + lag, e) for i, e in enumerate(envelopes, start=1)]


def folded(*envelopes: Envelope) -> IncidentStatus:
    state = fold(facts(*envelopes))
    assert state is not None
    return state


def test_a_report_carries_kind_title_site_and_times() -> None:
    state = folded(reported(0))
    assert (state.status, state.lifecycle, state.kind, state.title) == (
        "reported",
        "open",
        "fire",
        "Smoke",
    )
    assert (state.site_name, state.location_code) == ("澎湖湾", "PHW-B2-07")
    assert (state.reported_at, state.detected_at) == (at(0), at(-1))
    assert (state.version, state.last_position, state.last_type) == (1, 1, "incident.reported.v1")


def test_the_lifecycle_path_with_a_reopen() -> None:
    steps = [
        (reported(0), "reported"),
        (tell(1, RecipientRole.SUPERVISOR), "acknowledged"),
        (dispatched(2), "responding"),
        (tell(3, RecipientRole.STAFF), "responding"),
        (restored(4), "restored"),
        (ended(b.resolve, 5), "resolved"),
        (ended(b.close, 6), "closed"),
        (ended(b.reopen, 7), "reopened"),
        (tell(8, RecipientRole.TEAM_LEAD), "reopened"),
        (dispatched(9), "responding"),
        (ended(b.close, 10), "closed"),
    ]
    state: IncidentStatus | None = None
    for fact, (_, status) in zip(facts(*(e for e, _ in steps)), steps, strict=True):
        state = evolve(state, fact)
        assert state.status == status, fact.type
    assert state is not None
    assert (state.reopen_count, state.reopened_at, state.closed_at) == (1, at(7), at(10))


def test_reopen_clears_the_episode_end_but_keeps_first_milestones() -> None:
    state = folded(reported(0), arrived(3), ended(b.resolve, 5), ended(b.close, 6))
    assert (state.resolved_at, state.closed_at, state.first_arrival_at) == (at(5), at(6), at(3))
    state = folded(
        reported(0), arrived(3), ended(b.resolve, 5), ended(b.close, 6), ended(b.reopen, 9)
    )
    assert (state.status, state.lifecycle) == ("reopened", "open")
    assert (state.resolved_at, state.closed_at, state.first_arrival_at) == (None, None, at(3))


def test_a_false_alarm_is_cancelled_and_may_be_reopened() -> None:
    assert folded(reported(0), ended(b.cancel, 2)).status == "cancelled"
    state = folded(reported(0), ended(b.cancel, 2), ended(b.reopen, 3), dispatched(4))
    assert (state.status, state.cancelled_at) == ("responding", None)


def test_a_restoration_after_resolution_keeps_it_resolved() -> None:
    state = folded(reported(0), ended(b.resolve, 5), restored(8))
    assert (state.status, state.lifecycle, state.restored_at) == ("resolved", "resolved", at(8))


def test_an_incident_first_seen_through_a_notification_is_acknowledged() -> None:
    state = folded(tell(1, RecipientRole.SUPERVISOR), reported(0))
    assert (state.status, state.kind, state.reported_at) == ("acknowledged", "fire", at(0))


@pytest.mark.parametrize("name", scenario_names())
def test_status_agrees_with_the_ledger_lifecycle(name: str) -> None:
    story = generate(name, start=T0)
    state = folded(*story)
    machine = lifecycle_fold([e.type for e in story])
    assert state.lifecycle == machine.state
    if machine.state == "open":
        assert state.status in {"reported", "acknowledged", "responding", "restored", "reopened"}
    else:
        assert state.status == machine.state


def test_milestones_take_the_earliest_superior_notification_even_if_recorded_late() -> None:
    story = [reported(0), tell(1, RecipientRole.POLICE_110), tell(5, RecipientRole.SUPERVISOR)]
    assert folded(*story).first_superior_notified_at == at(5)
    late = tell(2, RecipientRole.DUTY_MANAGER)
    state = folded(*story, arrived(9), arrived(7), late)
    assert (state.first_superior_notified_at, state.first_arrival_at) == (at(2), at(7))


def test_classification_and_escalation_move_the_level() -> None:
    plan = b.activate_plan(plan_id="fire", level=Level.TIER_1, occurred_at=at(1), **ENV)
    first = b.classify(
        severity=Severity.SEV3,
        level=Level.GENERAL,
        regimes=(Regime.CN_SAFETY,),
        occurred_at=at(2),
        **ENV,
    )
    up = b.escalate(
        from_level=Level.GENERAL, to_level=Level.MAJOR, reason="spreading", occurred_at=at(3), **ENV
    )
    again = b.classify(severity=Severity.SEV2, regimes=(Regime.INSURER,), occurred_at=at(4), **ENV)
    assert folded(reported(0), plan).level == "tier_1"
    state = folded(reported(0), plan, first, up, again)
    assert (state.severity, state.level) == ("sev2", "major")
    assert state.regimes == ("cn_safety", "insurer")
    assert state.status == "acknowledged"


def casualty(minute: float, count: int, severity: CasualtySeverity) -> Envelope:
    return b.record_casualty(count=count, severity=severity, occurred_at=at(minute), **ENV)


def test_casualties_sum_by_severity_and_a_corrected_count_takes_effect() -> None:
    hurt = casualty(3, 2, CasualtySeverity.MINOR)
    fix = b.correct_event(
        corrects_event_id=hurt.event_id,
        corrected={"count": 1},
        reason="one person counted twice",
        occurred_at=at(9),
        **ENV,
    )
    state = folded(
        reported(0),
        hurt,
        casualty(4, 1, CasualtySeverity.HOSPITALIZED),
        casualty(6, 1, CasualtySeverity.MINOR),
        fix,
    )
    assert state.casualties == {"minor": 2, "hospitalized": 1}
    assert state.corrections == 1
    assert [(a.field, a.original, a.value, a.corrected_by) for a in state.corrected] == [
        ("count", 2, 1, 5)
    ]


def loss(loss_id: str, amount: int, currency: str = "CNY", revised: bool = False) -> Envelope:
    common: dict[str, Any] = {"loss_id": loss_id, "category": LossCategory.CASH, **ENV}
    if revised:
        return b.revise_loss(
            amount_minor=amount, currency=currency, basis=Basis.FINAL, reason="counted", **common
        )
    return b.record_loss(amount_minor=amount, currency=currency, basis=Basis.ESTIMATE, **common)


def test_loss_totals_per_currency_use_each_losss_latest_revision() -> None:
    state = folded(
        reported(0),
        loss("a", 4_800_000),
        loss("b", 1_000, "EUR"),
        loss("c", 50_000),
        loss("a", 4_650_000, revised=True),
    )
    assert state.loss_totals == {"CNY": 4_700_000, "EUR": 1_000}
    assert state.losses["a"] == ("CNY", 4_650_000)


def test_entries_written_long_after_the_fact_are_flagged_backdated() -> None:
    def recorded_after(hours: int, **options: timedelta) -> IncidentStatus:
        state = fold(facts(reported(0), arrived(5), lag=timedelta(hours=hours)), **options)
        assert state is not None
        return state

    assert (recorded_after(23).backdated, recorded_after(23).backdated_count) == (False, 0)
    assert (recorded_after(25).backdated, recorded_after(25).backdated_count) == (True, 2)
    assert recorded_after(2, backdated_after=timedelta(hours=1)).backdated


def test_as_of_sees_only_what_was_recorded_by_then() -> None:
    story = facts(reported(0), dispatched(2), ended(b.resolve, 30))
    then = as_of(story, at(10))
    assert then is not None
    assert (then.status, then.version, then.updated_at) == ("responding", 2, at(2))
    assert as_of(story, at(-5)) is None
    assert as_of(story, at(30)) == fold(story)
