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

A policy may instead name fields of its class's ``personal`` block (``phone``,
``address``…): those values are held for less, from the same clock as the class's, and
erased on their own (the subject's key kept, its other values readable), recorded with the
fields named. A field policy never holds a value longer than its class's policy would.
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
    fields: tuple[str, ...] = ()  # of the ``personal`` block; none: the whole subject

    def until(self, since: datetime | None) -> datetime | None:
        """When values held since ``since`` are due for erasure (None: the clock has not
        started, e.g. a claim still open)."""
        return None if since is None else since + self.keep


CONTACT: Final = ("phone", "address")
POLICIES: Final = (
    Policy("claimant-7y", "claimant", "insurance", 7 * YEAR, After.CLAIMS_CLOSED),
    Policy("casualty-7y", "casualty", "insurance", 7 * YEAR, After.LAST_RECORDED),
    Policy("reporter-1y", "reporter", "gdpr", YEAR, After.LAST_RECORDED),
    Policy("person-1y", "person", "gdpr", YEAR, After.LAST_RECORDED),
    Policy("recipient-1y", "recipient", "gdpr", YEAR, After.LAST_RECORDED),
    Policy("claimant-contact-2y", "claimant", "gdpr", 2 * YEAR, After.CLAIMS_CLOSED, CONTACT),
    Policy("casualty-contact-2y", "casualty", "gdpr", 2 * YEAR, After.LAST_RECORDED, CONTACT),
    Policy("reporter-phone-90d", "reporter", "gdpr", timedelta(days=90), After.LAST_RECORDED,
           ("phone",)),
)  # fmt: skip
"""Every policy: one per field class for the whole subject (the unit of erasure), and
those of fields within a class, each field named by one policy at most (docs/erasure.md
says why these)."""

_BY_CLASS: Final = {p.field_class: p for p in POLICIES if not p.fields}
_FIELDS_BY_CLASS: Final = {
    c: tuple(p for p in POLICIES if p.fields and p.field_class == c) for c in _BY_CLASS
}
PERSONAL_BLOCKS: Final = (("payload", "personal"), ("payload", "corrected", "personal"))
"""Where a field a policy names sits in an event: its ``personal`` block, or a
correction's new values of one."""


def field_class(subject: str) -> str:
    """The class of a subject's values: ``INC-1:claimant`` → ``claimant``,
    ``INC-1:recipient:insurer`` → ``recipient``, ``actor:u-1`` → ``actor``."""
    head, _, rest = subject.partition(":")
    return head if head == "actor" else rest.partition(":")[0]


def policy_for(subject: str) -> Policy | None:
    """The policy that governs ``subject``'s values (None: held until erased on request)."""
    return _BY_CLASS.get(field_class(subject))


def field_policies_for(subject: str) -> tuple[Policy, ...]:
    """The policies of fields within ``subject``'s class (none: every value goes with it)."""
    return _FIELDS_BY_CLASS.get(field_class(subject), ())


def field_of(path: tuple[str, ...]) -> str | None:
    """The field of a ``personal`` block a value's path is at (``("payload", "personal",
    "phone")`` → ``phone``; deeper in a correction's, the same); None elsewhere."""
    for block in PERSONAL_BLOCKS:
        if len(path) > len(block) and path[: len(block)] == block:
            return path[len(block)]
    return None


def field_prefixes() -> list[str]:
    """:data:`PERSONAL_BLOCKS` as the stored paths begin (``payload.personal.``): a value
    at field ``f`` is at ``<prefix>f`` or below it (``<prefix>f.``)."""
    return [".".join(block) + "." for block in PERSONAL_BLOCKS]
