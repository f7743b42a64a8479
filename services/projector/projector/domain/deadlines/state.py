"""What the deadline engine folds one incident's facts into: ``evolve(state, fact)``.

The state keeps the facts themselves (rules look events up by type and payload) plus the
summary the conditions read: kind, worst severity, levels reached, regime tags,
casualties by severity and the latest amount of every loss.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from contracts.events import (
    CasualtyRecorded,
    IncidentClassified,
    IncidentEscalated,
    IncidentReported,
    LossRecorded,
    PlanActivated,
)
from projector.domain.facts import Fact

LADDERS: tuple[tuple[str, ...], ...] = (("general", "major"), ("tier_1", "tier_2", "tier_3"))
"""Response levels in order, per ladder (一般 < 重大; 一级 < 二级 < 三级支持)."""


class Reached(msgspec.Struct, frozen=True):
    """The first fact that put the incident at a response level."""

    position: int
    at: datetime


class IncidentState(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str = ""
    facts: tuple[Fact, ...] = ()
    kind: str | None = None
    severity: str | None = None
    levels: dict[str, Reached] = {}
    regimes: frozenset[str] = frozenset()
    casualties: dict[str, int] = {}
    losses: dict[str, tuple[str, int]] = {}


def ladder_rank(level: str) -> tuple[int, int] | None:
    """(ladder index, rank within it) of a level, or None if unknown."""
    for index, ladder in enumerate(LADDERS):
        if level in ladder:
            return index, ladder.index(level)
    return None


def _level(payload: Any) -> str | None:
    if isinstance(payload, IncidentEscalated):
        return str(payload.to_level)
    if isinstance(payload, IncidentClassified | PlanActivated) and payload.level:
        return str(payload.level)
    return None


def _summary(state: IncidentState, fact: Fact) -> dict[str, Any]:
    payload = fact.envelope.payload
    changes: dict[str, Any] = {}
    if isinstance(payload, IncidentReported):
        changes["kind"] = str(payload.kind)
    if isinstance(payload, IncidentClassified):
        worst = min(filter(None, (state.severity, str(payload.severity))))
        changes.update(severity=worst, regimes=state.regimes | set(map(str, payload.regimes)))
    level = _level(payload)
    if level and level not in state.levels:
        reached = Reached(fact.position, fact.envelope.occurred_at)
        changes["levels"] = {**state.levels, level: reached}
    if isinstance(payload, CasualtyRecorded):
        count = state.casualties.get(str(payload.severity), 0) + payload.count
        changes["casualties"] = {**state.casualties, str(payload.severity): count}
    if isinstance(payload, LossRecorded):
        entry = (payload.currency, payload.amount_minor)
        changes["losses"] = {**state.losses, payload.loss_id: entry}
    return changes


def evolve(state: IncidentState, fact: Fact) -> IncidentState:
    """The state after ``fact`` (facts arrive in position order)."""
    changes = _summary(state, fact)
    return msgspec.structs.replace(
        state, incident_id=fact.incident_id, facts=(*state.facts, fact), **changes
    )


def fold(facts: Any, state: IncidentState | None = None) -> IncidentState:
    """``evolve`` over ``facts``, with the facts appended once rather than one by one (a
    long incident's history would otherwise be copied for every event)."""
    state, facts = state or IncidentState(), tuple(facts)
    for fact in facts:
        if changes := _summary(state, fact):
            state = msgspec.structs.replace(state, **changes)
    if not facts:
        return state
    return msgspec.structs.replace(
        state, incident_id=facts[-1].incident_id, facts=(*state.facts, *facts)
    )
