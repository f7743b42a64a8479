"""Stories for the losses read model and the loss run: given these events, when folded, then …"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import builders as b
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from contracts.levels import Basis, ClaimStatus, LossCategory
from contracts.personal import redact
from contracts.scenarios import generate
from projector.domain import losses, status
from projector.domain.facts import Fact
from projector.domain.losses import Claim, LossBook, as_of, loss_run_rows, run_totals

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 20, 2, 20, tzinfo=UTC)
ENV: dict[str, Any] = {"incident_id": "INC-7", "source": "test", "actor": Actor(id="finance-1")}
POLICY = "PA-2026-7781"


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def facts(*envelopes: Envelope) -> list[Fact]:
    """Recorded the moment they occurred, in the given order."""
    return [Fact(i, i, e.occurred_at, e) for i, e in enumerate(envelopes, start=1)]


def folded(*envelopes: Envelope) -> LossBook:
    book = losses.fold(facts(*envelopes))
    assert book is not None
    return book


def loss(minute: float, loss_id: str, amount: int, currency: str = "CNY") -> Envelope:
    return b.record_loss(
        loss_id=loss_id,
        category=LossCategory.PROPERTY,
        amount_minor=amount,
        currency=currency,
        basis=Basis.ESTIMATE,
        insured=True,
        insurer="PICC",
        policy_ref=POLICY,
        occurred_at=at(minute),
        **ENV,
    )


def revise(minute: float, loss_id: str, amount: int, currency: str = "CNY") -> Envelope:
    return b.revise_loss(
        loss_id=loss_id,
        category=LossCategory.PROPERTY,
        amount_minor=amount,
        currency=currency,
        basis=Basis.FINAL,
        reason="assessed",
        occurred_at=at(minute),
        **ENV,
    )


def claim(minute: float, status_: ClaimStatus | None = None, **amounts: Any) -> Envelope:
    common: dict[str, Any] = {"claim_number": "CLM-1", "insurer": "PICC", "policy_number": POLICY}
    if status_ is None:
        personal = Personal(name="陈静", phone="13800000000")
        return b.open_claim(
            currency="CNY", personal=personal, occurred_at=at(minute), **common, **amounts, **ENV
        )
    return b.update_claim(
        status=status_, currency="CNY", occurred_at=at(minute), **common, **amounts, **ENV
    )


def report() -> Envelope:
    site = Site(name="服务大厅", location_code="HALL-01")
    return b.report_incident(
        kind=IncidentKind.FIRE,
        title="Bin fire",
        site=site,
        channel=ReportChannel.PHONE,
        detected_at=at(-3),
        occurred_at=at(0),
        **ENV,
    )


def robbery() -> list[Fact]:
    return facts(*generate("robbery", start=T0))


def test_a_revision_replaces_the_figure_and_keeps_the_history() -> None:
    book = losses.fold(robbery())
    assert book is not None
    line = book.losses["cash-1"]
    assert [r.amount_minor for r in line.history] == [4_800_000, 4_650_000]
    assert [r.basis for r in line.history] == ["estimate", "final"]
    assert (line.latest.amount_minor, line.latest.reason) == (4_650_000, line.history[1].reason)
    assert (line.latest.occurred_at, line.latest.policy_ref) == (at(240), "PA-2026-7781")
    assert book.totals == {"CNY": 4_650_000}


def test_totals_are_per_currency_over_latest_revisions_only() -> None:
    book = folded(
        loss(1, "a", 100_000),
        loss(2, "b", 7_500, "EUR"),
        loss(3, "c", 20_000),
        revise(4, "a", 90_000),
        revise(5, "c", 3_000, "EUR"),
    )
    assert book.totals == {"CNY": 90_000, "EUR": 10_500}
    assert len(book.losses["a"].history) == 2


def test_a_loss_revised_after_the_valuation_date_shows_its_earlier_figure() -> None:
    story = robbery()
    assert as_of(story, at(239)).totals == {"CNY": 4_800_000}
    assert as_of(story, at(240)).totals == {"CNY": 4_650_000}
    assert as_of(story, at(24)).losses == {}
    assert as_of(story, at(-10)) == LossBook(incident_id=story[0].incident_id)


def figures(c: Claim) -> tuple[str, int, int, int, int, int]:
    return (
        c.status,
        c.paid_minor,
        c.reserve_minor,
        c.incurred_minor,
        c.recovered_minor,
        c.net_minor,
    )


def test_claims_carry_incurred_and_net_with_their_dates() -> None:
    story = [report(), loss(5, "a", 1_300_000), claim(60, reserve_minor=1_250_000)]
    opened = folded(*story).claims["CLM-1"]
    assert figures(opened) == ("open", 0, 1_250_000, 1_250_000, 0, 1_250_000)
    paid = {"paid_minor": 1_000_000, "reserve_minor": 200_000, "recovered_minor": 300_000}
    later = folded(*story, claim(900, ClaimStatus.SUBROGATED, **paid)).claims["CLM-1"]
    assert figures(later) == ("subrogated", 1_000_000, 200_000, 1_200_000, 300_000, 900_000)
    assert (later.reported_at, later.updated_at, later.claimant) == (at(60), at(900), "陈静")


def test_a_loss_run_row_per_claim_with_incident_details_and_totals() -> None:
    story = facts(
        report(),
        loss(5, "a", 1_300_000),
        claim(60, ClaimStatus.OPEN, paid_minor=100_000, reserve_minor=50_000),
    )
    book = losses.fold(story)
    incident = status.fold(story)
    assert book is not None
    [row] = loss_run_rows(book, incident)
    assert (row.claim_number, row.date_of_loss, row.date_reported) == ("CLM-1", at(-3), at(60))
    assert (row.kind, row.location_code, row.coverage) == ("fire", "HALL-01", "property")
    assert (row.incurred_minor, row.net_minor, row.currency) == (150_000, 150_000, "CNY")
    assert loss_run_rows(book, None) == [row]
    totals = run_totals([row, row])
    assert (totals["CNY"].claims, totals["CNY"].incurred_minor, totals["CNY"].paid_minor) == (
        2,
        300_000,
        200_000,
    )


def test_redaction_blanks_the_claimant_only() -> None:
    book = folded(report(), claim(60, reserve_minor=10))
    [row] = loss_run_rows(book, None)
    assert row.claimant == "陈静"
    hidden = redact(row)
    assert hidden.claimant == ""
    assert (hidden.claim_number, hidden.reserve_minor) == (row.claim_number, row.reserve_minor)


def test_the_robbery_loss_run_at_two_valuation_dates() -> None:
    story = robbery()
    opened = loss_run_rows(as_of(story, at(1440)), None)
    paid = loss_run_rows(as_of(story, at(20160)), None)
    assert [(r.status, r.reserve_minor, r.paid_minor) for r in opened] == [("open", 4_650_000, 0)]
    assert [(r.status, r.reserve_minor, r.paid_minor) for r in paid] == [("closed", 0, 4_650_000)]
    assert paid[0].date_of_loss == at(-1)
    assert loss_run_rows(as_of(story, at(1439)), None) == []


Op = tuple[str, int, int, int]
OPS = st.tuples(
    st.sampled_from(["loss", "revise", "open", "update", "note"]),
    st.integers(0, 2),
    st.integers(0, 10**9),
    st.integers(0, 600),
)


def envelope(op: Op, minute: int) -> Envelope:
    kind, key, amount, _ = op
    currency = ("CNY", "EUR", "USD")[amount % 3]
    if kind in {"loss", "revise"}:
        return (loss if kind == "loss" else revise)(minute, f"loss-{key}", amount, currency)
    if kind == "note":
        return b.add_note(text="note", occurred_at=at(minute), **ENV)
    return claim_op(kind == "open", f"CLM-{key}", amount, currency, at(minute))


def claim_op(opened: bool, number: str, amount: int, currency: str, when: datetime) -> Envelope:
    common: dict[str, Any] = {"claim_number": number, "insurer": "PICC", "policy_number": POLICY}
    common.update(currency=currency, occurred_at=when, **ENV)
    if opened:
        return b.open_claim(reserve_minor=amount, **common)
    closed = ClaimStatus.CLOSED
    return b.update_claim(status=closed, paid_minor=amount, recovered_minor=amount // 3, **common)


def random_story(ops: list[Op]) -> list[Fact]:
    """Occurred at random times; recorded in position order with random delays."""
    recorded, story = T0, [Fact(1, 1, T0, report())]
    for position, op in enumerate(ops, start=2):
        recorded += timedelta(minutes=op[3])
        story.append(Fact(position, position, recorded, envelope(op, op[3] - 300)))
    return story


def resumed(story: list[Fact], cut: int) -> LossBook | None:
    """Folded up to ``cut``, then continued from that state (a projector restarted)."""
    book = losses.fold(story[:cut])
    for fact in story[cut:]:
        book = losses.evolve(book, fact)
    return book


@settings(max_examples=60, deadline=None)
@given(st.lists(OPS, min_size=1, max_size=25), st.data())
def test_folding_is_deterministic_and_as_of_the_last_record_is_the_full_fold(
    ops: list[Op], data: st.DataObject
) -> None:
    story = random_story(ops)
    full = losses.fold(story)
    assert full is not None
    assert losses.fold(story) == full
    assert resumed(story, data.draw(st.integers(0, len(story)))) == full
    last = max(f.recorded_at for f in story)
    assert as_of(story, last) == full
    assert status.as_of(story, last) == status.fold(story)
    valuation = story[data.draw(st.integers(0, len(story) - 1))].recorded_at
    assert as_of(story, valuation) == losses.fold(f for f in story if f.recorded_at <= valuation)


@settings(max_examples=60, deadline=None)
@given(st.lists(OPS, min_size=1, max_size=25))
def test_totals_and_claim_figures_are_consistent(ops: list[Op]) -> None:
    book = losses.fold(random_story(ops))
    assert book is not None
    latest: dict[str, int] = {}
    for line in book.losses.values():
        assert line.latest == line.history[-1]
        latest[line.latest.currency] = (
            latest.get(line.latest.currency, 0) + line.latest.amount_minor
        )
    assert book.totals == latest
    for c in book.claims.values():
        assert c.incurred_minor == c.paid_minor + c.reserve_minor
        assert c.net_minor == c.incurred_minor - c.recovered_minor
