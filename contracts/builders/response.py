"""Builders for the response: plans, notifications, responders, measures, casualties."""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from contracts.builders.base import EnvelopeArgs, build
from contracts.enums import ActionCategory, NotifyChannel, RecipientRole
from contracts.envelope import Envelope
from contracts.events import (
    ActionTaken,
    CasualtyRecorded,
    EvidenceAttached,
    NotificationSent,
    Personal,
    PlanActivated,
    ResponderArrived,
    ResponderDeparted,
    ResponderDispatched,
)
from contracts.levels import CasualtySeverity, EvidenceKind, Level


def activate_plan(
    *, plan_id: str, level: Level, plan_name: str = "", **env: Unpack[EnvelopeArgs]
) -> Envelope:
    """启动预案: ``plan.activated.v1``."""
    return build(PlanActivated(plan_id=plan_id, level=level, plan_name=plan_name), **env)


def notify(
    *,
    recipient_role: RecipientRole,
    channel: NotifyChannel,
    recipient_name: str = "",
    reference: str | None = None,
    summary: str = "",
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """上报 / 通知 / 报警: ``notification.sent.v1``."""
    payload = NotificationSent(
        recipient_role=recipient_role,
        recipient_name=recipient_name,
        channel=channel,
        reference=reference,
        summary=summary,
    )
    return build(payload, **env)


def dispatch_responder(
    *,
    responder: str,
    team: str = "",
    role: RecipientRole | None = None,
    vehicle_plate: str | None = None,
    eta: datetime | None = None,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """派遣: ``responder.dispatched.v1``."""
    payload = ResponderDispatched(
        responder=responder, team=team, role=role, vehicle_plate=vehicle_plate, eta=eta
    )
    return build(payload, **env)


def responder_arrived(
    *,
    responder: str,
    team: str = "",
    role: RecipientRole | None = None,
    vehicle_plate: str | None = None,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """到达现场: ``responder.arrived.v1``."""
    payload = ResponderArrived(
        responder=responder, team=team, role=role, vehicle_plate=vehicle_plate
    )
    return build(payload, **env)


def responder_departed(
    *,
    responder: str,
    team: str = "",
    role: RecipientRole | None = None,
    vehicle_plate: str | None = None,
    destination: str = "",
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """离开现场: ``responder.departed.v1``."""
    payload = ResponderDeparted(
        responder=responder,
        team=team,
        role=role,
        vehicle_plate=vehicle_plate,
        destination=destination,
    )
    return build(payload, **env)


def take_action(
    *,
    category: ActionCategory,
    text: str = "",
    personal: Personal | None = None,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """采取措施: ``action.taken.v1``."""
    return build(ActionTaken(category=category, text=text, personal=personal), **env)


def record_casualty(
    *,
    count: int,
    severity: CasualtySeverity,
    hospital: str = "",
    personal: Personal | None = None,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """人员伤亡: ``casualty.recorded.v1``."""
    payload = CasualtyRecorded(count=count, severity=severity, hospital=hospital, personal=personal)
    return build(payload, **env)


def attach_evidence(
    *,
    kind: EvidenceKind,
    uri: str,
    sha256: str | None = None,
    retained_until: datetime | None = None,
    description: str = "",
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """保留证据: ``evidence.attached.v1``."""
    payload = EvidenceAttached(
        kind=kind,
        uri=uri,
        sha256=sha256,
        retained_until=retained_until,
        description=description,
    )
    return build(payload, **env)
