"""The projector's fold cache holds a bounded number of facts, whatever the incidents."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from projector.domain.facts import from_event
from projector.domain.models import Config, Folded, fold_more
from projector.follow.runner import FoldCache
from tests.support import note

pytestmark = pytest.mark.unit


def folded(incident: str, events: int, first: int = 1) -> Folded:
    facts = [
        from_event(p, p, datetime.now(UTC), msgspec.json.encode(note(incident, f"n{p}")))
        for p in range(first, first + events)
    ]
    return fold_more(None, facts, Config([]))


def test_given_more_facts_than_the_budget_when_kept_then_the_least_recent_go() -> None:
    cache = FoldCache(facts=60)
    cache.keep({"A": folded("A", 25)})
    cache.keep({"B": folded("B", 25)})
    cache.keep({"A": folded("A", 25)})  # A folded again: now the most recent
    cache.keep({"C": folded("C", 25)})
    assert cache.held <= 60
    assert cache.usable("B", 25) is None
    assert cache.usable("A", 25) is not None
    assert cache.usable("C", 25) is not None


def test_given_an_incident_folded_further_when_kept_then_it_is_counted_once() -> None:
    cache = FoldCache(facts=1000)
    cache.keep({"A": folded("A", 10)})
    cache.keep({"A": folded("A", 30)})
    assert cache.held == 31


def test_given_an_incident_larger_than_the_budget_when_kept_then_only_it_is_left_out() -> None:
    cache = FoldCache(facts=8)
    cache.keep({"A": folded("A", 3)})
    cache.keep({"B": folded("B", 10)})
    assert cache.held == 4
    assert cache.usable("B", 10) is None
    assert cache.usable("A", 3) is not None


def test_given_a_cleared_cache_then_it_holds_nothing() -> None:
    cache = FoldCache(facts=100)
    cache.keep({"A": folded("A", 10)})
    cache.checkpoint = 10
    cache.clear()
    # Declared: mypy would keep ``checkpoint`` narrowed to the 10 set above across clear().
    held: tuple[int, int | None, Folded | None] = (
        cache.held,
        cache.checkpoint,
        cache.usable("A", 10),
    )
    assert held == (0, None, None)
