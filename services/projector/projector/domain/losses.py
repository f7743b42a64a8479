"""The ``losses`` read model as a pure fold, and the loss run an insurer expects.

Per incident, a :class:`LossBook` holds each ``loss_id`` with its latest revision and
history (``loss.recorded`` and ``loss.revised`` alike are revisions; the latest is the last
recorded, by position), totals per currency over latest revisions only, and claims by
``claim_number``. A claim takes the status and paid / reserve / recovered figures of its
latest ``claim.opened``/``claim.updated``; ``incurred = paid + reserve`` and
``net = incurred − recovered``. ``reported_at`` is the ``claim.opened`` occurred_at (the
first claim event's when no opening is recorded). The book's ``loss_date`` is the incident's
``detected_at``, else the report's occurred_at. Money is integer minor units throughout.

:func:`as_of` values the book at a valuation date: only facts the ledger had recorded by
then, so a loss revised later shows its earlier figure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import msgspec
from msgspec.structs import replace

from contracts.events import (
    ClaimOpened,
    ClaimUpdated,
    EventCorrected,
    IncidentReported,
    LossRecorded,
    LossRevised,
)
from contracts.types import PERSONAL
from projector.domain import corrections
from projector.domain.corrections import Amendment
from projector.domain.facts import Fact
from projector.domain.status import IncidentStatus

__all__ = [
    "READS",
    "Claim",
    "LossBook",
    "LossLine",
    "LossRevision",
    "LossRunRow",
    "LossRunTotals",
    "as_of",
    "date_of_loss",
    "evolve",
    "fold",
    "loss_run_rows",
    "noted",
    "run_totals",
]


class LossRevision(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    position: int
    occurred_at: datetime
    recorded_at: datetime
    amount_minor: int
    currency: str
    basis: str
    category: str
    insured: bool
    insurer: str
    policy_ref: str | None
    reason: str = ""


class LossLine(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    loss_id: str
    latest: LossRevision
    history: tuple[LossRevision, ...]


class Claim(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    claim_number: str
    insurer: str
    policy_number: str
    status: str
    currency: str
    paid_minor: int
    reserve_minor: int
    recovered_minor: int
    incurred_minor: int
    net_minor: int
    reported_at: datetime | None
    updated_at: datetime
    last_position: int
    claimant: Annotated[str, PERSONAL] = ""


class LossBook(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    incident_id: str
    loss_date: datetime | None = None
    kind: str | None = None
    location_code: str | None = None
    losses: dict[str, LossLine] = msgspec.field(default_factory=dict)
    totals: dict[str, int] = msgspec.field(default_factory=dict)
    claims: dict[str, Claim] = msgspec.field(default_factory=dict)
    last_position: int = 0
    version: int = 0
    corrected: tuple[Amendment, ...] = ()  # of the events folded here


class LossRunRow(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str
    claim_number: str
    date_of_loss: datetime | None
    date_reported: datetime | None
    kind: str | None
    location_code: str | None
    claimant: Annotated[str, PERSONAL]
    insurer: str
    policy_number: str
    coverage: str
    status: str
    paid_minor: int
    reserve_minor: int
    incurred_minor: int
    recovered_minor: int
    net_minor: int
    currency: str


class LossRunTotals(msgspec.Struct, frozen=True, kw_only=True):
    currency: str
    claims: int = 0
    paid_minor: int = 0
    reserve_minor: int = 0
    incurred_minor: int = 0
    recovered_minor: int = 0
    net_minor: int = 0


def evolve(book: LossBook | None, fact: Fact) -> LossBook:
    """The book after ``fact`` (the next recorded event of the same incident)."""
    current = book or LossBook(incident_id=fact.incident_id)
    payload = fact.envelope.payload
    if isinstance(payload, IncidentReported):
        current = _reported(current, payload, fact)
    elif isinstance(payload, LossRecorded):
        current = _loss(current, payload, fact)
    elif isinstance(payload, ClaimOpened | ClaimUpdated):
        current = _claim(current, payload, fact)
    return replace(current, last_position=fact.position, version=fact.version)


def fold(facts: Iterable[Fact]) -> LossBook | None:
    """One incident's facts folded in position order, corrections applied; None when there
    are none."""
    applied = corrections.apply(sorted(facts, key=lambda f: f.position))
    book: LossBook | None = None
    for fact in applied.facts:
        book = evolve(book, fact)
    return None if book is None else noted(book, applied)


_FOLDED = frozenset(
    t.TYPE for t in (IncidentReported, LossRecorded, LossRevised, ClaimOpened, ClaimUpdated)
)
READS = _FOLDED | {EventCorrected.TYPE}
"""The types of the events a book is folded from: its own and their corrections."""


def noted(book: LossBook, applied: corrections.Applied) -> LossBook:
    """``book`` listing the corrections applied to the events it folds."""
    return replace(book, corrected=tuple(a for a in applied.amendments if a.type in _FOLDED))


def as_of(facts: Iterable[Fact], valuation: datetime) -> LossBook:
    """The book valued at ``valuation``: facts with ``recorded_at <= valuation`` only.
    With none, an empty book (``incident_id`` from the first fact given, else "")."""
    facts = list(facts)
    book = fold(f for f in facts if f.recorded_at <= valuation)
    return book or LossBook(incident_id=facts[0].incident_id if facts else "")


def _reported(book: LossBook, p: IncidentReported, fact: Fact) -> LossBook:
    loss_date = p.detected_at or fact.envelope.occurred_at
    return replace(book, loss_date=loss_date, kind=str(p.kind), location_code=p.site.location_code)


def _loss(book: LossBook, p: LossRecorded, fact: Fact) -> LossBook:
    revision = _revision(p, fact)
    known = book.losses.get(p.loss_id)
    history = (*known.history, revision) if known else (revision,)
    line = LossLine(loss_id=p.loss_id, latest=revision, history=history)
    losses = {**book.losses, p.loss_id: line}
    return replace(book, losses=losses, totals=_totals(losses.values()))


def _revision(p: LossRecorded, fact: Fact) -> LossRevision:
    return LossRevision(
        position=fact.position,
        occurred_at=fact.envelope.occurred_at,
        recorded_at=fact.recorded_at,
        amount_minor=p.amount_minor,
        currency=p.currency,
        basis=str(p.basis),
        category=str(p.category),
        insured=p.insured,
        insurer=p.insurer,
        policy_ref=p.policy_ref,
        reason=p.reason if isinstance(p, LossRevised) else "",
    )


def _totals(lines: Iterable[LossLine]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.latest.currency] = (
            totals.get(line.latest.currency, 0) + line.latest.amount_minor
        )
    return totals


def _claim(book: LossBook, p: ClaimOpened | ClaimUpdated, fact: Fact) -> LossBook:
    claim = _claim_after(book.claims.get(p.claim_number), p, fact)
    return replace(book, claims={**book.claims, p.claim_number: claim})


def _claim_after(known: Claim | None, p: ClaimOpened | ClaimUpdated, fact: Fact) -> Claim:
    at = fact.envelope.occurred_at
    opened = at if isinstance(p, ClaimOpened) or known is None else known.reported_at
    named = p.personal.name if p.personal else None
    incurred = p.paid_minor + p.reserve_minor
    return Claim(
        claim_number=p.claim_number,
        insurer=p.insurer,
        policy_number=p.policy_number,
        status=str(p.status),
        currency=p.currency,
        paid_minor=p.paid_minor,
        reserve_minor=p.reserve_minor,
        recovered_minor=p.recovered_minor,
        incurred_minor=incurred,
        net_minor=incurred - p.recovered_minor,
        reported_at=opened,
        updated_at=at,
        last_position=fact.position,
        claimant=named or (known.claimant if known is not None else ""),
    )


def loss_run_rows(book: LossBook, incident: IncidentStatus | None = None) -> list[LossRunRow]:
    """One row per claim, by claim number. ``incident`` (the status read model), when given,
    supplies date of loss, kind and location code."""
    claims = sorted(book.claims.values(), key=lambda c: c.claim_number)
    return [_row(book, claim, incident) for claim in claims]


def _row(book: LossBook, claim: Claim, incident: IncidentStatus | None) -> LossRunRow:
    return LossRunRow(
        incident_id=book.incident_id,
        claim_number=claim.claim_number,
        date_of_loss=date_of_loss(book, incident),
        date_reported=claim.reported_at,
        kind=(incident.kind if incident else None) or book.kind,
        location_code=(incident.location_code if incident else None) or book.location_code,
        claimant=claim.claimant,
        insurer=claim.insurer,
        policy_number=claim.policy_number,
        coverage=_coverage(book, claim.policy_number),
        status=claim.status,
        paid_minor=claim.paid_minor,
        reserve_minor=claim.reserve_minor,
        incurred_minor=claim.incurred_minor,
        recovered_minor=claim.recovered_minor,
        net_minor=claim.net_minor,
        currency=claim.currency,
    )


def date_of_loss(book: LossBook, incident: IncidentStatus | None = None) -> datetime | None:
    """The incident's detected time, else its report, else the first loss recorded."""
    if incident is not None and (incident.detected_at or incident.reported_at):
        return incident.detected_at or incident.reported_at
    if book.loss_date is not None or not book.losses:
        return book.loss_date
    return min(line.history[0].occurred_at for line in book.losses.values())


def _coverage(book: LossBook, policy_number: str) -> str:
    """The categories of the losses insured under the claim's policy, e.g. ``cash``."""
    lines = book.losses.values()
    return ", ".join(
        sorted({x.latest.category for x in lines if x.latest.policy_ref == policy_number})
    )


_AMOUNTS = ("paid_minor", "reserve_minor", "incurred_minor", "recovered_minor", "net_minor")


def run_totals(rows: Iterable[LossRunRow]) -> dict[str, LossRunTotals]:
    """Per-currency totals of a loss run (one pass, so rows may be streamed)."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        acc = sums.setdefault(row.currency, [0] * (len(_AMOUNTS) + 1))
        acc[0] += 1
        for i, name in enumerate(_AMOUNTS, start=1):
            acc[i] += getattr(row, name)
    return {
        currency: LossRunTotals(
            currency=currency, claims=acc[0], **dict(zip(_AMOUNTS, acc[1:], strict=True))
        )
        for currency, acc in sums.items()
    }
