"""The fast canonical route gives exactly the bytes of the general one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import canonical, scenarios
from contracts.scenarios import scenario_names

pytestmark = pytest.mark.unit

starts = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2090, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))]),
)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(scenario_names()), start=starts, seed=st.integers(0, 1000))
def test_encode_struct_equals_encode(name: str, start: datetime, seed: int) -> None:
    for envelope in scenarios.generate(name, start=start, seed=seed):
        assert canonical.encode_struct(envelope) == canonical.encode(envelope)


def test_a_whole_second_takes_the_general_route() -> None:
    (first, *_) = scenarios.generate("fire", start=datetime(2026, 1, 1, tzinfo=UTC))
    assert canonical.encode_struct(first) == canonical.encode(first)
    assert b'"occurred_at":"2026-01-01T00:00:00.000000Z"' in canonical.encode_struct(first)
