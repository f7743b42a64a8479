"""The retention policies (``contracts.retention``): every class of a subject's values is
found from the subject's id, whatever the incident; a claimant is held seven years from
the close of the claims, a reporter a year from the last value; an actor has no policy
(held until erased on request); a clock not started holds the values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.retention import POLICIES, YEAR, After, field_class, policy_for

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
    assert len({p.field_class for p in POLICIES}) == len(POLICIES)  # one per class
