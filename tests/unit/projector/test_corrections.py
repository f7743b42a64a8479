"""Stories for corrections: given an incident and an ``event.corrected`` of one of its events,
when folded, then the status, the losses, the deadlines' inputs and the report read the
corrected value, with the original one field away; an invalid correction changes nothing."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import builders as b
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from contracts.levels import Basis, LossCategory
from projector.domain import losses, status
from projector.domain.facts import Fact
from projector.domain.models import Config, Folded, fold_more, project
from projector.domain.profiles import Registry
from projector.views import reporting

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 20, 2, 20, tzinfo=UTC)
ENV: dict[str, Any] = {"incident_id": "INC-9", "source": "test", "actor": Actor(id="desk-1")}


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def facts(*envelopes: Envelope) -> list[Fact]:
    """Recorded a minute after each other, in the given order."""
    return [Fact(i, i, at(i), e) for i, e in enumerate(envelopes, start=1)]


REPORT = b.report_incident(
    kind=IncidentKind.FIRE,
    title="Smoke on floor 11/12",
    description="smoke seen from the stairwell",
    site=Site(name="Tower A", unit="11/12", location_code="TWR-A-11"),
    channel=ReportChannel.PHONE,
    occurred_at=at(0),
    **ENV,
)
LOSS = b.record_loss(loss_id="L-1", category=LossCategory.PROPERTY, amount_minor=1_250_000,
                     currency="CNY", basis=Basis.ESTIMATE, insured=True, insurer="PICC",
                     policy_ref="P-1", occurred_at=at(1), **ENV)  # fmt: skip
CLAIM = b.open_claim(claim_number="C-1", insurer="PICC", policy_number="P-1",
                     currency="CNY", reserve_minor=1_000_000,
                     personal=Personal(name="Wang"), occurred_at=at(2), **ENV)  # fmt: skip


def fix(target: Envelope | UUID, minute: float, **corrected: Any) -> Envelope:
    event_id = target if isinstance(target, UUID) else target.event_id
    return b.correct_event(corrects_event_id=event_id, corrected=corrected,
                           reason="misread the form", occurred_at=at(minute), **ENV)  # fmt: skip


NEW_SITE = {"name": "Tower A", "unit": "12/13", "location_code": "TWR-A-12"}
STORY = [
    REPORT,
    LOSS,
    CLAIM,
    fix(REPORT, 3, title="Smoke on floor 12/13", site=NEW_SITE),
    fix(LOSS, 4, amount_minor=1_500_000),
    fix(CLAIM, 5, reserve_minor=1_200_000),
]


def test_corrections_of_a_title_a_site_and_amounts_take_effect_with_the_original_kept() -> None:
    """Given a report, a loss and a claim, when the title, the site, the loss amount and the
    claim's reserve are corrected, then the status and the book read the new values, and
    each lists the original beside the correcting event's position."""
    story = facts(*STORY)
    state, book = status.fold(story), losses.fold(story)
    assert state is not None
    assert book is not None
    assert (state.title, state.site_name, state.location_code) == (
        "Smoke on floor 12/13", "Tower A", "TWR-A-12")  # fmt: skip
    assert state.losses == {"L-1": ("CNY", 1_500_000)}
    assert state.loss_totals == {"CNY": 1_500_000}
    assert book.losses["L-1"].latest.amount_minor == 1_500_000
    assert book.claims["C-1"].reserve_minor == 1_200_000
    assert losses.loss_run_rows(book)[0].incurred_minor == 1_200_000
    title = next(a for a in state.corrected if a.field == "title")
    assert (title.original, title.value, title.position, title.corrected_by) == (
        "Smoke on floor 11/12", "Smoke on floor 12/13", 1, 4)  # fmt: skip
    assert [(a.field, a.original, a.corrected_by) for a in book.corrected][-2:] == [
        ("amount_minor", 1_250_000, 5), ("reserve_minor", 1_000_000, 6)]  # fmt: skip
    assert (state.corrections, state.ignored_corrections) == (3, ())


def test_as_of_before_a_correction_shows_the_original() -> None:
    """Given the same story, when read as of just before the title's correction was
    recorded, then the original title, site and amounts show, and no correction is listed."""
    story = facts(*STORY)
    state = status.as_of(story, at(3.5))
    assert state is not None
    assert (state.title, state.location_code, state.corrected) == (
        "Smoke on floor 11/12", "TWR-A-11", ())  # fmt: skip
    book = losses.as_of(story, at(4.5))
    assert book.losses["L-1"].latest.amount_minor == 1_250_000
    assert status.as_of(story, at(4.5)).title == "Smoke on floor 12/13"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("correction", "reason"),
    [
        (fix(uuid4(), 3, title="x"), "unknown event"),
        (fix(REPORT, 3, floor="12"), "does not validate as incident.reported.v1"),
        (fix(LOSS, 3, amount_minor="a lot"), "does not validate as loss.recorded.v1"),
        (fix(LOSS, 3, loss_id="L-2"), "loss_id: not correctable"),
        (fix(CLAIM, 3, personal={"name": "Li"}), "personal: not correctable"),
        (fix(REPORT, 3, title=""), "does not validate"),
    ],
)
def test_an_invalid_correction_is_flagged_and_changes_nothing(
    correction: Envelope, reason: str
) -> None:
    """Given a correction that names no event of the incident, a field its type lacks, a
    value of the wrong type, an identity or personal data, when folded, then the models are
    those without it, and the status lists it with the reason."""
    story = facts(REPORT, LOSS, CLAIM, correction)
    without = project(story[:3], now=at(9), config=Config([]), registry=Registry())
    ignoring = project(story, now=at(9), config=Config([]), registry=Registry())
    (ignored,) = ignoring.status.ignored_corrections
    assert reason in ignored.reason
    assert ignored.position == 4
    assert ignoring.status.title == without.status.title
    assert ignoring.losses.losses == without.losses.losses
    assert ignoring.losses.claims == without.losses.claims
    assert ignoring.status.corrected == ()


def test_a_correction_of_a_correction_is_flagged() -> None:
    first = fix(REPORT, 3, title="Smoke on floor 12/13")
    state = status.fold(facts(REPORT, first, fix(first, 4, reason="typo")))
    assert state is not None
    assert state.title == "Smoke on floor 12/13"
    assert "never corrected" in state.ignored_corrections[0].reason


def test_the_deadlines_and_the_report_read_the_corrected_report() -> None:
    """Given a corrected kind, title, site and description, when folded and reported, then
    the deadline engine's inputs and the report carry them, and the report lists them."""
    kind = fix(REPORT, 3, kind="water_leak", description="water from the sprinklers", site=NEW_SITE)
    story = facts(REPORT, kind)
    folded = fold_more(None, story, Config([]))
    assert folded.deadlines.kind == "water_leak"
    models = project(story, now=at(9), config=Config([]), registry=Registry())
    report = reporting.build(story, models, None, None, at(9))
    assert report.type["kind"] == "water_leak"
    assert report.type["description"] == "water from the sprinklers"
    assert report.site["unit"] == "12/13"
    assert {a.field for a in report.corrected} == {"kind", "description", "site"}


def _parts(folded: Folded) -> tuple[Any, ...]:
    return folded.position, folded.status, folded.book, folded.deadlines


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(STORY) - 1), unique=True))
def test_folding_in_steps_equals_folding_from_scratch(cuts: list[int]) -> None:
    """Given the story cut into batches anywhere, when folded batch by batch (as the fold
    cache does), then the models equal those folded from scratch."""
    story = facts(*STORY, fix(LOSS, 6, amount_minor=1_400_000), fix(uuid4(), 7, title="x"))
    bounds = [0, *sorted(cuts), len(story)]
    folded: Folded | None = None
    for start, end in itertools.pairwise(bounds):
        folded = fold_more(folded, story[start:end], Config([]))
    assert folded is not None
    assert _parts(folded) == _parts(fold_more(None, story, Config([])))
    assert folded.book.losses["L-1"].latest.amount_minor == 1_400_000
