"""Matching events against a pack's matchers, and a rule's conditions against the state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec

from projector.domain.deadlines.model import Matcher, Value
from projector.domain.deadlines.state import LADDERS, IncidentState, ladder_rank
from projector.domain.facts import Fact

SATISFIED_AT = ("submitted_at", "occurred_at")
"""When a satisfying event counts: a report's ``submitted_at``, else its valid time."""


class Hit(msgspec.Struct, frozen=True):
    """A matching fact and the instant it stands for."""

    position: int
    at: datetime
    fact: Fact


def _equals(actual: Any, expected: Value) -> bool:
    wanted = expected if isinstance(expected, list) else [expected]
    if isinstance(actual, tuple):
        return any(_equals(item, expected) for item in actual)
    return any((actual == w and type(w) is not bool) or actual is w for w in wanted)


def matches(matcher: Matcher, fact: Fact) -> bool:
    envelope = fact.envelope
    if matcher.event and envelope.type not in matcher.event:
        return False
    if matcher.actor_role and envelope.actor.role not in matcher.actor_role:
        return False
    payload = envelope.payload
    for key, expected in matcher.match.items():
        if not _equals(getattr(payload, key, None), expected):
            return False
    return all(
        text.casefold() in str(getattr(payload, key, "") or "").casefold()
        for key, text in matcher.contains.items()
    )


def time_of(fact: Fact, fields: Iterable[str]) -> datetime | None:
    for name in fields:
        if name == "occurred_at":
            return fact.envelope.occurred_at
        value = getattr(fact.envelope.payload, name, None)
        if isinstance(value, datetime):
            return value
    return None


class Facts:
    """An incident's facts, also by event type: built once per judgement, so each rule
    looks only at the events it names instead of the whole history."""

    __slots__ = ("_by_type", "_merged", "all")

    def __init__(self, facts: tuple[Fact, ...]) -> None:
        self.all = facts
        self._by_type: dict[str, list[Fact]] = defaultdict(list)
        self._merged: dict[tuple[str, ...], Sequence[Fact]] = {}
        for fact in facts:
            self._by_type[fact.envelope.type].append(fact)

    def of(self, types: tuple[str, ...]) -> Sequence[Fact]:
        """The facts of ``types`` (all of them when empty), in position order."""
        if not types:
            return self.all
        if len(types) == 1:
            return self._by_type.get(types[0], ())
        merged = self._merged.get(types)
        if merged is None:
            chosen = [f for t in set(types) for f in self._by_type.get(t, ())]
            merged = self._merged[types] = sorted(chosen, key=lambda f: f.position)
        return merged


def hits(facts: Facts, matcher: Matcher, fields: Iterable[str]) -> list[Hit]:
    """Matching facts that carry one of ``fields``, in position order."""
    found = []
    for fact in facts.of(matcher.event):
        at = time_of(fact, fields) if matches(matcher, fact) else None
        if at is not None:
            found.append(Hit(fact.position, at, fact))
    return found


def any_hits(facts: Facts, matchers: Iterable[Matcher], fields: tuple[str, ...]) -> list[Hit]:
    """Hits of any of ``matchers``, by time (then position)."""
    found = {h.position: h for m in matchers for h in hits(facts, m, fields)}
    return sorted(found.values(), key=lambda h: (h.at, h.position))


def level_reached(state: IncidentState, level: str) -> Hit | None:
    """The first fact that put the incident at ``level`` or above (in its ladder)."""
    rank = ladder_rank(level)
    if rank is None:
        return None
    ladder = LADDERS[rank[0]][rank[1] :]
    reached = [state.levels[name] for name in ladder if name in state.levels]
    if not reached:
        return None
    first = min(reached, key=lambda r: r.position)
    fact = next(f for f in state.facts if f.position == first.position)
    return Hit(first.position, first.at, fact)
