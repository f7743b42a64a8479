"""incident_status is a pure fold over recorded events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce

import pytest

from projector.status import Fact, IncidentStatus, evolve

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def fact(version: int, type_: str, **payload: object) -> Fact:
    at = T0 + timedelta(minutes=version)
    return Fact("INC-1", version * 10, version, type_, at, at, dict(payload))


def fold(*facts: Fact) -> IncidentStatus:
    state: IncidentStatus | None = reduce(evolve, facts, None)
    assert state is not None
    return state


def test_a_reported_incident_carries_its_kind_and_title() -> None:
    state = fold(fact(1, "incident.reported.v1", kind="fire", title="Smoke"))
    assert (state.status, state.kind, state.title) == ("reported", "fire", "Smoke")
    assert state.reported_at == T0 + timedelta(minutes=1)


def test_status_follows_the_response() -> None:
    state = fold(
        fact(1, "incident.reported.v1", kind="fire"),
        fact(2, "responder.arrived.v1"),
        fact(3, "service.restored.v1"),
        fact(4, "incident.resolved.v1"),
    )
    assert (state.status, state.version, state.last_position) == ("resolved", 4, 40)


def test_notes_leave_the_status_alone() -> None:
    state = fold(
        fact(1, "incident.reported.v1"), fact(2, "incident.closed.v1"), fact(3, "note.added.v1")
    )
    assert state.status == "closed"
    assert state.last_type == "note.added.v1"
