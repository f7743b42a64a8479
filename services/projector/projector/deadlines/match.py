"""Matching events against a pack's matchers, and a rule's conditions against the state."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import msgspec

from projector.deadlines.context import Context
from projector.deadlines.model import Matcher, Value, When
from projector.deadlines.state import LADDERS, IncidentState, ladder_rank
from projector.facts import Fact

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


def hits(facts: Iterable[Fact], matcher: Matcher, fields: Iterable[str]) -> list[Hit]:
    """Matching facts that carry one of ``fields``, in position order."""
    found, events = [], matcher.event
    for fact in facts:
        if events and fact.envelope.type not in events:
            continue  # the common case, decided without a call
        at = time_of(fact, fields) if matches(matcher, fact) else None
        if at is not None:
            found.append(Hit(fact.position, at, fact))
    return found


def any_hits(
    facts: Iterable[Fact], matchers: Iterable[Matcher], fields: tuple[str, ...]
) -> list[Hit]:
    """Hits of any of ``matchers``, by time (then position)."""
    facts = tuple(facts)
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


def _loss(state: IncidentState, currency: str | None) -> int:
    return sum(amount for cur, amount in state.losses.values() if cur == currency)


def holds(when: When, state: IncidentState, context: Context) -> bool:
    """Whether every condition of ``when`` holds for the incident and the deployment."""
    checks: tuple[Callable[[], bool], ...] = (  # lazily, cheapest first
        lambda: not when.kind or state.kind in when.kind,
        lambda: state.kind not in when.kind_not,
        lambda: not when.regime or bool(state.regimes & set(when.regime)),
        lambda: all(set(context.value(k)) & set(v) for k, v in when.context.items()),
        lambda: not when.severity_at_least or (state.severity or "sev9") <= when.severity_at_least,
        lambda: not when.casualty or any(state.casualties.get(s, 0) > 0 for s in when.casualty),
        lambda: not when.fatality or state.casualties.get("fatal", 0) > 0,
        lambda: (
            when.loss_at_least is None or _loss(state, when.loss_currency) >= when.loss_at_least
        ),
        lambda: not when.level_at_least or level_reached(state, when.level_at_least) is not None,
    )
    return all(check() for check in checks)
