"""Demo data for ``ledger up --demo``: a property fire, as the emergency plan runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import canonical


def _event(
    incident: str, minutes: float, type_: str, payload: dict[str, Any], start: datetime
) -> dict[str, Any]:
    return {
        "incident_id": incident,
        "type": type_,
        "occurred_at": canonical.timestamp(start + timedelta(minutes=minutes)),
        "source": "demo",
        "actor": {"id": "duty-desk", "name": "Duty desk", "role": "duty_manager"},
        "payload": payload,
    }


def events(now: datetime | None = None) -> list[dict[str, Any]]:
    start = (now or datetime.now(UTC)) - timedelta(minutes=40)
    incident = "DEMO-FIRE-" + start.strftime("%Y%m%d%H%M")
    steps: list[tuple[float, str, dict[str, Any]]] = [
        (
            0,
            "incident.reported.v1",
            {"kind": "fire", "title": "Smoke in B2 car park", "channel": "sensor"},
        ),
        (2, "notification.sent.v1", {"recipient_role": "supervisor", "channel": "phone"}),
        (4, "responder.arrived.v1", {"responder": "security patrol"}),
        (6, "action.taken.v1", {"category": "evacuation", "text": "B2 evacuated"}),
        (7, "notification.sent.v1", {"recipient_role": "fire_119", "channel": "phone"}),
        (25, "service.restored.v1", {"what": "fire extinguished"}),
        (38, "incident.resolved.v1", {"reason": "scene handed back to property management"}),
    ]
    return [_event(incident, m, t, p, start) for m, t, p in steps]
