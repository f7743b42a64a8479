"""The incident_status read model as a pure fold: ``evolve(state, event) -> state``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

_STATUS_BY_TYPE = {
    "incident.reported.v1": "reported",
    "notification.sent.v1": "acknowledged",
    "responder.dispatched.v1": "responding",
    "responder.arrived.v1": "responding",
    "service.restored.v1": "restored",
    "incident.resolved.v1": "resolved",
    "incident.closed.v1": "closed",
    "incident.reopened.v1": "reopened",
    "incident.cancelled.v1": "cancelled",
}


class IncidentStatus(msgspec.Struct, frozen=True):
    incident_id: str
    status: str
    version: int
    last_position: int
    last_type: str
    updated_at: datetime
    kind: str | None = None
    title: str | None = None
    reported_at: datetime | None = None


class Fact(msgspec.Struct, frozen=True):
    """What a projection sees of a recorded event."""

    incident_id: str
    position: int
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    payload: dict[str, Any]


def evolve(state: IncidentStatus | None, fact: Fact) -> IncidentStatus:
    status = _STATUS_BY_TYPE.get(fact.type, state.status if state else "reported")
    base = state or IncidentStatus(fact.incident_id, status, 0, 0, fact.type, fact.recorded_at)
    changes: dict[str, Any] = {
        "status": status,
        "version": fact.version,
        "last_position": fact.position,
        "last_type": fact.type,
        "updated_at": fact.recorded_at,
    }
    if fact.type == "incident.reported.v1":
        changes.update(
            kind=fact.payload.get("kind"),
            title=fact.payload.get("title"),
            reported_at=fact.occurred_at,
        )
    return msgspec.structs.replace(base, **changes)
