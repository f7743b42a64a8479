"""The simulator never publishes an event before it occurred, at any speed."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from contracts import scenarios
from incident_ledger.simulation import plan

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("speed", [1.0, 60.0, math.inf])
@pytest.mark.parametrize("name", scenarios.scenario_names())
def test_no_event_is_published_before_it_occurred(name: str, speed: float) -> None:
    for timed in plan(name, now=NOW, speed=speed):
        assert timed.envelope.occurred_at <= NOW + timedelta(seconds=timed.after)


def test_real_time_starts_now() -> None:
    first = plan("fire", now=NOW, speed=1.0)[0]
    assert (first.after, first.envelope.occurred_at) == (0.0, NOW)


def test_infinite_speed_backdates_the_whole_history() -> None:
    events = plan("dora", now=NOW, speed=math.inf)
    assert {t.after for t in events} == {0.0}
    assert max(t.envelope.occurred_at for t in events) == NOW


def test_slower_than_real_time_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan("fire", now=NOW, speed=0.5)
