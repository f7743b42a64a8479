"""The ``incident_status`` read model as a pure fold: ``evolve(state, fact) -> state``.

Status, milestones, classification, casualties, losses and backdating, field by field:
docs/incident-status.md (the specification this fold implements).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import singledispatch
from typing import Literal

import msgspec
from msgspec.structs import replace

from contracts.events import (
    CasualtyRecorded,
    EventCorrected,
    IncidentCancelled,
    IncidentClassified,
    IncidentClosed,
    IncidentEscalated,
    IncidentReopened,
    IncidentReported,
    IncidentResolved,
    LossRecorded,
    NotificationSent,
    Payload,
    PlanActivated,
    ResponderArrived,
    ServiceRestored,
)
from contracts.lifecycle import Lifecycle, State, advance, name_of
from projector.domain import corrections
from projector.domain.corrections import Amendment, Ignored
from projector.domain.facts import Fact

__all__ = ["SUPERIORS", "Fact", "IncidentStatus", "Status", "as_of", "evolve", "fold", "noted"]

# fmt: off
Status = Literal["reported", "acknowledged", "responding", "restored", "resolved", "closed",
                 "cancelled", "reopened"]
# fmt: on
SUPERIORS = frozenset(
    {"team_lead", "supervisor", "duty_manager", "general_manager", "operations_manager"}
)
BACKDATED_AFTER = timedelta(hours=24)

_RANK = {"reported": 0, "acknowledged": 1, "reopened": 1, "responding": 2, "restored": 3}
_PROGRESS: dict[str, Status] = {
    "incident.classified": "acknowledged",
    "incident.escalated": "acknowledged",
    "plan.activated": "acknowledged",
    "notification.sent": "acknowledged",
    "responder.dispatched": "responding",
    "responder.arrived": "responding",
    "action.taken": "responding",
    "service.restored": "restored",
}
_FIRST: dict[type[Payload], str] = {
    ResponderArrived: "first_arrival_at",
    ServiceRestored: "restored_at",
}
_LATEST: dict[type[Payload], str] = {
    IncidentResolved: "resolved_at",
    IncidentClosed: "closed_at",
    IncidentCancelled: "cancelled_at",
}
_SET: dict[str, Status] = {
    "incident.resolved": "resolved",
    "incident.closed": "closed",
    "incident.cancelled": "cancelled",
    "incident.reopened": "reopened",
}


class IncidentStatus(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str
    status: Status = "reported"
    version: int = 0
    last_position: int = 0
    last_type: str = ""
    updated_at: datetime | None = None
    lifecycle: State = "new"
    kind: str | None = None
    title: str | None = None
    description: str | None = None
    site_name: str | None = None
    location_code: str | None = None
    severity: str | None = None
    level: str | None = None
    regimes: tuple[str, ...] = ()
    reported_at: datetime | None = None
    detected_at: datetime | None = None
    first_superior_notified_at: datetime | None = None
    first_arrival_at: datetime | None = None
    restored_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    reopened_at: datetime | None = None
    reopen_count: int = 0
    casualties: dict[str, int] = msgspec.field(default_factory=dict)
    losses: dict[str, tuple[str, int]] = msgspec.field(default_factory=dict)
    loss_totals: dict[str, int] = msgspec.field(default_factory=dict)
    open_deadlines: int = 0
    missed_deadlines: int = 0
    backdated: bool = False
    backdated_count: int = 0
    corrections: int = 0
    corrected: tuple[Amendment, ...] = ()
    ignored_corrections: tuple[Ignored, ...] = ()
    organisation_id: str | None = None
    site_id: str | None = None
    site_issue: str | None = None
    profile_position: int | None = None
    profile_changed_at: int | None = None  # the last profile change since the basis


def evolve(
    state: IncidentStatus | None, fact: Fact, *, backdated_after: timedelta = BACKDATED_AFTER
) -> IncidentStatus:
    """The status after ``fact`` (the next recorded event of the same incident)."""
    envelope = fact.envelope
    current = _lifecycle(state or IncidentStatus(incident_id=envelope.incident_id), envelope.type)
    current = _apply(envelope.payload, current, envelope.occurred_at)
    late = fact.recorded_at - envelope.occurred_at > backdated_after
    return replace(
        current,
        version=fact.version,
        last_position=fact.position,
        last_type=envelope.type,
        updated_at=fact.recorded_at,
        backdated=current.backdated or late,
        backdated_count=current.backdated_count + late,
    )


def fold(
    facts: Iterable[Fact], *, backdated_after: timedelta = BACKDATED_AFTER
) -> IncidentStatus | None:
    """One incident's facts folded in position order, corrections applied; None when there
    are none."""
    applied = corrections.apply(sorted(facts, key=lambda f: f.position))
    state: IncidentStatus | None = None
    for fact in applied.facts:
        state = evolve(state, fact, backdated_after=backdated_after)
    return None if state is None else noted(state, applied)


def noted(state: IncidentStatus, applied: corrections.Applied) -> IncidentStatus:
    """``state`` listing the corrections applied to its facts and those ignored."""
    return replace(state, corrected=applied.amendments, ignored_corrections=applied.ignored)


def as_of(
    facts: Iterable[Fact], at: datetime, *, backdated_after: timedelta = BACKDATED_AFTER
) -> IncidentStatus | None:
    """The status as the ledger knew it at ``at``: facts with ``recorded_at <= at``."""
    return fold((f for f in facts if f.recorded_at <= at), backdated_after=backdated_after)


def _lifecycle(state: IncidentStatus, tag: str) -> IncidentStatus:
    before = Lifecycle(state.lifecycle, state.reported_at is not None)
    after, refused = advance(before, tag)
    if refused is not None:
        return state
    name = name_of(tag)
    status = _SET.get(name, state.status)
    target = _PROGRESS.get(name)
    if after.state == "open" and target is not None and _RANK[target] > _RANK[status]:
        status = target
    return replace(state, lifecycle=after.state, status=status)


def _earliest(known: datetime | None, at: datetime) -> datetime:
    return at if known is None or at < known else known


def _apply(payload: Payload, state: IncidentStatus, at: datetime) -> IncidentStatus:
    kind = type(payload)
    if kind in _LATEST:
        return replace(state, **{_LATEST[kind]: at})
    if kind in _FIRST:
        field = _FIRST[kind]
        return replace(state, **{field: _earliest(getattr(state, field), at)})
    return _record(payload, state, at)


@singledispatch
def _record(payload: Payload, state: IncidentStatus, at: datetime) -> IncidentStatus:
    return state


@_record.register(IncidentReported)
def _reported(p: IncidentReported, state: IncidentStatus, at: datetime) -> IncidentStatus:
    return replace(
        state,
        kind=str(p.kind),
        title=p.title,
        description=p.description or None,
        site_name=p.site.name,
        location_code=p.site.location_code,
        reported_at=at,
        detected_at=p.detected_at,
    )


@_record.register(IncidentClassified)
def _classified(p: IncidentClassified, state: IncidentStatus, at: datetime) -> IncidentStatus:
    regimes = tuple(sorted({*state.regimes, *(str(r) for r in p.regimes)}))
    level = str(p.level) if p.level is not None else state.level
    return replace(state, severity=str(p.severity), level=level, regimes=regimes)


@_record.register(IncidentEscalated)
def _escalated(p: IncidentEscalated, state: IncidentStatus, at: datetime) -> IncidentStatus:
    return replace(state, level=str(p.to_level))


@_record.register(PlanActivated)
def _plan(p: PlanActivated, state: IncidentStatus, at: datetime) -> IncidentStatus:
    return state if state.level is not None else replace(state, level=str(p.level))


@_record.register(NotificationSent)
def _notified(p: NotificationSent, state: IncidentStatus, at: datetime) -> IncidentStatus:
    if p.recipient_role not in SUPERIORS:
        return state
    return replace(
        state, first_superior_notified_at=_earliest(state.first_superior_notified_at, at)
    )


@_record.register(IncidentReopened)
def _reopened(p: IncidentReopened, state: IncidentStatus, at: datetime) -> IncidentStatus:
    return replace(
        state,
        reopened_at=at,
        reopen_count=state.reopen_count + 1,
        resolved_at=None,
        closed_at=None,
        cancelled_at=None,
    )


@_record.register(CasualtyRecorded)
def _casualty(p: CasualtyRecorded, state: IncidentStatus, at: datetime) -> IncidentStatus:
    casualties = dict(state.casualties)
    casualties[str(p.severity)] = casualties.get(str(p.severity), 0) + p.count
    return replace(state, casualties=casualties)


@_record.register(LossRecorded)
def _loss(p: LossRecorded, state: IncidentStatus, at: datetime) -> IncidentStatus:
    losses = {**state.losses, p.loss_id: (p.currency, p.amount_minor)}
    totals: dict[str, int] = {}
    for currency, amount in losses.values():
        totals[currency] = totals.get(currency, 0) + amount
    return replace(state, losses=losses, loss_totals=totals)


@_record.register(EventCorrected)
def _corrected(p: EventCorrected, state: IncidentStatus, at: datetime) -> IncidentStatus:
    return replace(state, corrections=state.corrections + 1)
