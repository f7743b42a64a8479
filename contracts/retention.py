"""How long the ledger holds each class of personal data (docs/erasure.md): the retention
policies, as data, in this one place. Pure.

A policy names the class of the values it governs (the role of their data subject, as
:mod:`contracts.subjects` names it: ``claimant``, ``reporter``…), the regime it follows
(the legal or contractual ground), how long the values are held and from when: the last
value recorded about the subject, or the close of the incident's last claim (while one is
open, no clock runs). A subject whose class has no policy (an actor: staff, whose names
the employer keeps) is held until erased on request. When a subject's time is up, the
retention run (``ledger retention run``) erases it, recorded as any erasure with the reason
``retention:<policy>``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

import msgspec

from contracts.levels import ClaimStatus

YEAR: Final = timedelta(days=366)  # a year, leap day included: never a day short
CLAIM_CLOSED: Final = frozenset({ClaimStatus.CLOSED, ClaimStatus.DENIED})
"""The statuses that close a claim for retention (as corrected, each claim by its latest);
any other keeps it open and stops the clock."""


class After(StrEnum):
    """From when a policy's period runs."""

    LAST_RECORDED = "last_recorded"  # the last value recorded about the subject
    CLAIMS_CLOSED = "claims_closed"  # every claim of the incident closed (its last close)


class Policy(msgspec.Struct, frozen=True):
    name: str  # in the erasure's reason: ``retention:<name>``
    field_class: str  # the subject's role: whose values it governs
    regime: str  # the ground it follows
    keep: timedelta
    after: After

    def until(self, since: datetime | None) -> datetime | None:
        """When values held since ``since`` are due for erasure (None: the clock has not
        started, e.g. a claim still open)."""
        return None if since is None else since + self.keep


POLICIES: Final = (
    Policy("claimant-7y", "claimant", "insurance", 7 * YEAR, After.CLAIMS_CLOSED),
    Policy("casualty-7y", "casualty", "insurance", 7 * YEAR, After.LAST_RECORDED),
    Policy("reporter-1y", "reporter", "gdpr", YEAR, After.LAST_RECORDED),
    Policy("person-1y", "person", "gdpr", YEAR, After.LAST_RECORDED),
    Policy("recipient-1y", "recipient", "gdpr", YEAR, After.LAST_RECORDED),
)
"""Every policy: one per field class (the unit of erasure is the subject, so a class is a
role; every value of a subject goes when it does)."""

_BY_CLASS: Final = {p.field_class: p for p in POLICIES}


def field_class(subject: str) -> str:
    """The class of a subject's values: ``INC-1:claimant`` → ``claimant``,
    ``INC-1:recipient:insurer`` → ``recipient``, ``actor:u-1`` → ``actor``."""
    head, _, rest = subject.partition(":")
    return head if head == "actor" else rest.partition(":")[0]


def policy_for(subject: str) -> Policy | None:
    """The policy that governs ``subject``'s values (None: held until erased on request)."""
    return _BY_CLASS.get(field_class(subject))
