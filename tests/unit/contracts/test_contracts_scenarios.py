"""The emergency-plan scenarios: valid, deterministic, and late where they should be."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from contracts import canonical
from contracts.codec import decode_envelope
from contracts.envelope import Envelope
from contracts.events import NotificationSent, ReportFiled, ResponderArrived
from contracts.scenarios import generate, scenario_names

pytestmark = pytest.mark.unit

START = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # a Friday
FAR = datetime(2030, 1, 1, tzinfo=UTC)


def _minutes(event: Envelope, start: datetime = START) -> float:
    return (event.occurred_at - start) / timedelta(minutes=1)


def test_there_are_ten_scenarios() -> None:
    assert len(scenario_names()) == 10


@pytest.mark.parametrize("name", scenario_names())
def test_every_event_decodes_after_canonical_encoding(name: str) -> None:
    events = generate(name, start=START, incidents=3, source="sim-1", seed=7)
    assert len({e.incident_id for e in events}) == 3
    assert len({e.event_id for e in events}) == len(events)
    for event in events:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", event.incident_id)
        assert event.source == "sim-1"
        assert decode_envelope(canonical.encode(event), now=FAR) == event
    assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
    firsts = {e.incident_id: e.type for e in reversed(events)}
    assert set(firsts.values()) == {"incident.reported.v1"}


@pytest.mark.parametrize("name", scenario_names())
def test_generation_is_deterministic(name: str) -> None:
    first = generate(name, start=START, seed=3)
    assert first == generate(name, start=START, seed=3)
    assert first[0].event_id != generate(name, start=START, seed=4)[0].event_id


def test_incidents_are_staggered() -> None:
    events = generate("fire", start=START, incidents=2)
    reported = [e for e in events if e.type == "incident.reported.v1"]
    assert [_minutes(e) for e in reported] == [0, 2]


def test_app_outage_reports_to_the_supervisor_late() -> None:
    events = generate("app_outage", start=START)
    supervisor = [
        e
        for e in events
        if isinstance(e.payload, NotificationSent) and e.payload.recipient_role == "supervisor"
    ]
    assert _minutes(supervisor[0]) > 5


def test_elevator_vendor_arrives_after_thirty_minutes() -> None:
    events = generate("elevator", start=START)
    dispatched = next(e for e in events if e.type == "responder.dispatched.v1")
    arrived = next(
        e for e in events if isinstance(e.payload, ResponderArrived) and e.payload.role == "vendor"
    )
    assert arrived.occurred_at - dispatched.occurred_at > timedelta(minutes=30)


def test_food_poisoning_reports_late_and_dora_on_time() -> None:
    kg = [
        e.payload
        for e in generate("food_poisoning", start=START)
        if isinstance(e.payload, ReportFiled)
    ]
    assert all(p.submitted_at - START > timedelta(hours=2) for p in kg)
    dora = [e.payload for e in generate("dora", start=START) if isinstance(e.payload, ReportFiled)]
    assert dora[0].stage == "initial"
    assert dora[0].submitted_at - START <= timedelta(hours=6)


def test_grid_outage_goes_general_then_major() -> None:
    levels = [
        (e.type, _minutes(e))
        for e in generate("grid_outage", start=START)
        if e.type in {"plan.activated.v1", "incident.escalated.v1"}
    ]
    assert levels == [("plan.activated.v1", 20), ("incident.escalated.v1", 35)]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown scenario"):
        generate("meteor", start=START)
    with pytest.raises(ValueError, match="timezone"):
        generate("fire", start=datetime(2026, 1, 1))
