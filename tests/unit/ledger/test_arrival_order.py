"""The outcomes of a batch go back to their publishers in arrival order: the ingest's pull
loop and the HTTP appends' request-reply both merge what was refused before sequencing
with what the sequencer decided through one function."""

from __future__ import annotations

from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.outcomes import Recorded, Rejected
from ledger.domain.sequencer import in_arrival_order

pytestmark = pytest.mark.unit


def _recorded(n: int) -> Recorded:
    return Recorded(UUID(int=n), "INC-1", n, n, "00")


@given(st.lists(st.booleans(), max_size=50))
def test_given_refused_and_sequenced_items_then_each_outcome_is_at_its_items_place(
    refused: list[bool],
) -> None:
    items: list[object] = [
        Rejected(None, "invalid_json", f"item {i}") if r else f"event {i}"
        for i, r in enumerate(refused)
    ]
    appended = [_recorded(i) for i, r in enumerate(refused) if not r]
    merged = in_arrival_order(items, appended)
    assert len(merged) == len(items)
    for i, (item, outcome) in enumerate(zip(items, merged, strict=True)):
        assert outcome is item if refused[i] else outcome == _recorded(i)


def test_outcomes_left_over_are_an_error_not_a_silent_loss() -> None:
    with pytest.raises(ValueError, match="more outcomes"):
        in_arrival_order(["event"], [_recorded(1), _recorded(2)])
