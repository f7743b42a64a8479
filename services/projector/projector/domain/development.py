"""Loss development: one incident's loss history as dated movements of one measure.

The measures, per incident and currency, in integer minor units (counts for
``reported_count``), each after every loss or claim event:

- ``paid``: over its claims, paid − recovered (net paid);
- ``incurred``: over its claims, paid + reserve − recovered (net incurred); while the
  incident has no claim in that currency, its recorded losses (latest revision of each);
- ``reported_count``: 1 once the incident has a loss or a claim in that currency.

A movement is the change of a measure at one moment: ``basis=occurred`` dates it at the
event's ``occurred_at`` (its effective date in the publishing system; the history is
folded in that order, so a history loaded later develops over its real periods);
``basis=recorded`` at its ``recorded_at`` (folded in ledger order: what the ledger knew).
Its origin is the incident's date of loss: the report's ``detected_at``, else the report's
``occurred_at``, else the earliest loss or claim event's ``occurred_at``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import datetime

import msgspec

from contracts.events import ClaimOpened, ClaimUpdated, IncidentReported, LossRecorded
from projector.domain.facts import Fact

__all__ = ["Basis", "Measure", "Movement", "movements"]


class Measure(enum.StrEnum):
    PAID = "paid"
    INCURRED = "incurred"
    REPORTED_COUNT = "reported_count"


class Basis(enum.StrEnum):
    OCCURRED = "occurred"
    RECORDED = "recorded"


class Movement(msgspec.Struct, frozen=True, array_like=True):
    currency: str
    loss_date: datetime
    at: datetime
    delta: int


class _Book:
    """The latest figures of an incident's losses and claims, by id."""

    def __init__(self) -> None:
        self.losses: dict[str, tuple[str, int]] = {}
        self.claims: dict[str, tuple[str, int, int, int]] = {}

    def take(self, payload: object) -> bool:
        if isinstance(payload, LossRecorded):
            self.losses[payload.loss_id] = (payload.currency, payload.amount_minor)
        elif isinstance(payload, ClaimOpened | ClaimUpdated):
            p = payload
            figures = (p.currency, p.paid_minor, p.reserve_minor, p.recovered_minor)
            self.claims[p.claim_number] = figures
        else:
            return False
        return True


def _paid(book: _Book) -> dict[str, int]:
    out: dict[str, int] = {}
    for currency, paid, _, recovered in book.claims.values():
        out[currency] = out.get(currency, 0) + paid - recovered
    return out


def _incurred(book: _Book) -> dict[str, int]:
    out: dict[str, int] = {}
    for currency, paid, reserve, recovered in book.claims.values():
        out[currency] = out.get(currency, 0) + paid + reserve - recovered
    claimed = set(out)
    for currency, amount in book.losses.values():
        if currency not in claimed:
            out[currency] = out.get(currency, 0) + amount
    return out


def _reported(book: _Book) -> dict[str, int]:
    currencies = {c for c, _ in book.losses.values()} | {c[0] for c in book.claims.values()}
    return dict.fromkeys(currencies, 1)


_VALUE: dict[Measure, Callable[[_Book], dict[str, int]]] = {
    Measure.PAID: _paid,
    Measure.INCURRED: _incurred,
    Measure.REPORTED_COUNT: _reported,
}


def loss_date(facts: Iterable[Fact]) -> datetime | None:
    """The incident's date of loss (see the module's docstring)."""
    earliest: datetime | None = None
    for fact in facts:
        payload = fact.envelope.payload
        if isinstance(payload, IncidentReported):
            return payload.detected_at or fact.envelope.occurred_at
        if earliest is None or fact.envelope.occurred_at < earliest:
            earliest = fact.envelope.occurred_at
    return earliest


def movements(facts: Iterable[Fact], measure: Measure, basis: Basis) -> list[Movement]:
    """One incident's movements of ``measure`` on ``basis``, in the order folded."""
    occurred = basis is Basis.OCCURRED
    ordered = sorted(
        facts, key=(lambda f: (f.envelope.occurred_at, f.position)) if occurred else _position
    )
    origin = loss_date(ordered)
    if origin is None:
        return []
    book, value, out = _Book(), _VALUE[measure], []
    before: dict[str, int] = {}
    for fact in ordered:
        if not book.take(fact.envelope.payload):
            continue
        after = value(book)
        at = fact.envelope.occurred_at if occurred else fact.recorded_at
        for currency in after.keys() | before.keys():
            if delta := after.get(currency, 0) - before.get(currency, 0):
                out.append(Movement(currency, origin, at, delta))
        before = after
    return out


def _position(fact: Fact) -> int:
    return fact.position
