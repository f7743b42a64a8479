"""The complete loss run of one incident's book, valued at an instant: one row per claim
(with the losses recorded under its policy) and one per recorded loss that no claim covers,
marked ``unclaimed`` with the whole days since the ledger first recorded it. Pure.

A loss is claimed when a claim of the same incident names the loss's policy as its policy
number (the rule :func:`projector.domain.losses.loss_run_rows` uses for coverage); a
claim's date of loss is :func:`projector.domain.losses.date_of_loss`; a loss's
policy and carrier are those of its latest revision naming one (a ``loss.revised`` restates
the amount, not always the policy).
A claim's ``recorded_loss`` is the sum of the latest revisions of those losses in the
claim's currency; an unclaimed loss's paid, reserve, incurred, recovered and net are 0.
Money is integer minor units throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import msgspec

from contracts.types import PERSONAL
from projector.domain.losses import Claim, LossBook, LossLine, LossRevision, date_of_loss

UNCLAIMED = "unclaimed"


class Line(msgspec.Struct, frozen=True, gc=False):
    """A row of the run. A claim's row is made with its fields in this order, by position
    (:func:`_claimed`: a long run makes one for every claim, and keywords cost msgspec
    several times more); no row holds anything that could refer back to it (``gc=False``)."""

    incident_id: str
    claim_number: str  # "" when unclaimed
    loss_ids: tuple[str, ...]
    date_of_loss: datetime | None
    date_reported: datetime | None  # the claim's opening; None when unclaimed
    kind: str | None
    location_code: str | None
    claimant: Annotated[str, PERSONAL]
    carrier: str
    policy_number: str
    coverage: str
    status: str  # the claim's, or "unclaimed"
    days_unclaimed: int | None  # None for a claim
    recorded_loss_minor: int
    paid_minor: int
    reserve_minor: int
    incurred_minor: int
    recovered_minor: int
    net_incurred_minor: int
    currency: str


def lines(book: LossBook, valued_at: datetime) -> list[Line]:
    """The book's rows: its claims by claim number, then its unclaimed losses by loss id.
    ``book`` must already be valued at ``valued_at`` (:func:`projector.domain.losses.as_of`).
    Each row is built once, straight from the book: a long run calls this for every book."""
    if not book.losses:  # the common case of a long run: claims only
        lost = book.loss_date
        return [_claimed(book, claim, lost, ()) for _, claim in sorted(book.claims.items())]
    claims = [claim for _, claim in sorted(book.claims.items())]
    # each loss with its policy, by loss id, found once for all the book's claims
    known = [(line, policy(line)) for _, line in sorted(book.losses.items())]
    lost = date_of_loss(book)
    policies = {claim.policy_number for claim in claims}
    return [
        _claimed(book, claim, lost, [x for x, p in known if p == claim.policy_number])
        for claim in claims
    ] + [_unclaimed(book, line, valued_at) for line, p in known if p not in policies]


def _claimed(
    book: LossBook, claim: Claim, lost: datetime | None, covered: Sequence[LossLine]
) -> Line:
    recorded, coverage = 0, ""
    ids: tuple[str, ...] = ()  # not ``tuple[str, ...]()``: that makes a type at each call
    if covered:  # a claim with no loss recorded under it (a long run's usual row) skips this
        ids = tuple(x.loss_id for x in covered)
        recorded = sum(
            x.latest.amount_minor for x in covered if x.latest.currency == claim.currency
        )
        coverage = ", ".join(sorted({x.latest.category for x in covered}))
    return Line(
        book.incident_id, claim.claim_number, ids, lost, claim.reported_at, book.kind,
        book.location_code, claim.claimant, claim.insurer, claim.policy_number, coverage,
        claim.status, None, recorded, claim.paid_minor, claim.reserve_minor,
        claim.incurred_minor, claim.recovered_minor, claim.net_minor, claim.currency,
    )  # fmt: skip


def _unclaimed(book: LossBook, line: LossLine, valued_at: datetime) -> Line:
    latest, first = line.latest, line.history[0]
    return Line(
        incident_id=book.incident_id, claim_number="", loss_ids=(line.loss_id,),
        date_of_loss=book.loss_date or first.occurred_at, date_reported=None,
        kind=book.kind, location_code=book.location_code, claimant="",
        carrier=_named(line).insurer, policy_number=policy(line) or "",
        coverage=latest.category, status=UNCLAIMED,
        days_unclaimed=max(0, (valued_at - first.recorded_at).days),
        recorded_loss_minor=latest.amount_minor, paid_minor=0, reserve_minor=0,
        incurred_minor=0, recovered_minor=0, net_incurred_minor=0, currency=latest.currency,
    )  # fmt: skip


def policy(line: LossLine) -> str | None:
    """The loss's policy: its latest revision's naming one, else None."""
    return _named(line).policy_ref


def _named(line: LossLine) -> LossRevision:
    """The latest revision naming a policy or a carrier, else the latest."""
    named = [r for r in line.history if r.policy_ref or r.insurer]
    return named[-1] if named else line.latest
