"""The retention policies (``contracts.retention``): every class of a subject's values is
found from the subject's id, whatever the incident; a claimant is held seven years from
the close of the claims, a reporter a year from the last value; an actor has no policy
(held until erased on request); a clock not started holds the values. A policy of fields
within a class never holds a value longer than its class's (same clock, a period no
longer), names fields a ``personal`` block has, each field once; a field is found where
a ``personal`` block holds it, a correction's too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.events.base import Personal
from contracts.retention import (
    POLICIES,
    YEAR,
    After,
    field_class,
    field_of,
    field_policies_for,
    policy_for,
)

pytestmark = pytest.mark.unit
INCIDENTS = st.from_regex(r"\A[A-Za-z0-9_-]{1,64}\Z")


@given(INCIDENTS, st.sampled_from(["claimant", "reporter", "casualty", "person"]))
def test_a_subjects_class_is_its_role_whatever_the_incident(incident: str, role: str) -> None:
    assert field_class(f"{incident}:{role}") == role
    assert field_class(f"{incident}:recipient:{role}") == "recipient"
    assert field_class(f"actor:{incident}") == "actor"


def test_each_class_is_held_as_its_policy_says() -> None:
    claimant, reporter = policy_for("INC-1:claimant"), policy_for("INC-1:reporter")
    assert claimant is not None
    assert reporter is not None
    assert (claimant.name, claimant.after) == ("claimant-7y", After.CLAIMS_CLOSED)
    closed = datetime(2026, 1, 1, tzinfo=UTC)
    assert claimant.until(closed) == closed + 7 * YEAR
    assert claimant.until(None) is None  # a claim still open
    assert reporter.until(closed) == closed + YEAR
    assert policy_for("actor:agent-7") is None
    whole = [p for p in POLICIES if not p.fields]
    assert len({p.field_class for p in whole}) == len(whole)  # one per class


def test_every_field_policy_is_as_strict_as_its_class_or_stricter() -> None:
    fields = [p for p in POLICIES if p.fields]
    assert fields  # the reporter's phone, the claimant's and the casualty's contact
    for policy in fields:
        of_class = policy_for(f"INC-1:{policy.field_class}")
        assert of_class is not None, policy.name  # a class with a policy of its own
        assert policy.after is of_class.after, policy.name  # judged from the same clock
        assert policy.keep <= of_class.keep, policy.name
        assert set(policy.fields) <= set(Personal.__struct_fields__), policy.name
    named = [(p.field_class, f) for p in fields for f in p.fields]
    assert len(set(named)) == len(named)  # a field of a class named by one policy at most
    assert len({p.name for p in POLICIES}) == len(POLICIES)  # each erasure's reason unique


def test_a_reporters_phone_is_held_for_less_than_the_reporter() -> None:
    (phone,) = field_policies_for("INC-1:reporter")
    assert phone.fields == ("phone",)
    assert phone.keep < YEAR
    assert field_policies_for("actor:agent-7") == ()
    assert field_policies_for("INC-1:recipient:insurer") == ()


def test_a_field_is_where_a_personal_block_holds_it() -> None:
    assert field_of(("payload", "personal", "phone")) == "phone"
    assert field_of(("payload", "corrected", "personal", "phone")) == "phone"
    assert field_of(("payload", "corrected", "personal", "phone", "0")) == "phone"
    assert field_of(("payload", "personal")) is None
    assert field_of(("payload", "recipient_name")) is None
    assert field_of(("actor", "name")) is None
