"""Builders for the incident's lifecycle events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack
from uuid import UUID

from contracts.builders.base import EnvelopeArgs, build
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Envelope
from contracts.events import (
    EventCorrected,
    IncidentCancelled,
    IncidentClassified,
    IncidentClosed,
    IncidentEscalated,
    IncidentReopened,
    IncidentReported,
    IncidentResolved,
    NoteAdded,
    Personal,
    ServiceRestored,
    Site,
)
from contracts.levels import Level, Regime, Severity


def report_incident(
    *,
    kind: IncidentKind,
    title: str,
    site: Site,
    channel: ReportChannel,
    description: str = "",
    detected_at: datetime | None = None,
    personal: Personal | None = None,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """接报: ``incident.reported.v1``."""
    payload = IncidentReported(
        kind=kind,
        title=title,
        description=description,
        site=site,
        channel=channel,
        detected_at=detected_at,
        personal=personal,
    )
    return build(payload, **env)


def classify(
    *,
    severity: Severity,
    level: Level | None = None,
    regimes: tuple[Regime, ...] = (),
    aware_at: datetime | None = None,
    classified_major_at: datetime | None = None,
    materiality_determined_at: datetime | None = None,
    rationale: str = "",
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """定级: ``incident.classified.v1``."""
    payload = IncidentClassified(
        severity=severity,
        level=level,
        regimes=regimes,
        aware_at=aware_at,
        classified_major_at=classified_major_at,
        materiality_determined_at=materiality_determined_at,
        rationale=rationale,
    )
    return build(payload, **env)


def escalate(
    *, from_level: Level, to_level: Level, reason: str, **env: Unpack[EnvelopeArgs]
) -> Envelope:
    """升级: ``incident.escalated.v1``."""
    return build(IncidentEscalated(from_level=from_level, to_level=to_level, reason=reason), **env)


def restore_service(*, service: str, text: str = "", **env: Unpack[EnvelopeArgs]) -> Envelope:
    """恢复: ``service.restored.v1``."""
    return build(ServiceRestored(service=service, text=text), **env)


def resolve(*, reason: str, **env: Unpack[EnvelopeArgs]) -> Envelope:
    """处置完毕: ``incident.resolved.v1``."""
    return build(IncidentResolved(reason=reason), **env)


def close(*, reason: str, **env: Unpack[EnvelopeArgs]) -> Envelope:
    """应急结束: ``incident.closed.v1``."""
    return build(IncidentClosed(reason=reason), **env)


def reopen(*, reason: str, **env: Unpack[EnvelopeArgs]) -> Envelope:
    """重新启动: ``incident.reopened.v1``."""
    return build(IncidentReopened(reason=reason), **env)


def cancel(*, reason: str, **env: Unpack[EnvelopeArgs]) -> Envelope:
    """误报: ``incident.cancelled.v1``."""
    return build(IncidentCancelled(reason=reason), **env)


def add_note(*, text: str, **env: Unpack[EnvelopeArgs]) -> Envelope:
    """记录: ``note.added.v1``."""
    return build(NoteAdded(text=text), **env)


def correct_event(
    *,
    corrects_event_id: UUID,
    corrected: dict[str, Any],
    reason: str,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """更正: ``event.corrected.v1``."""
    payload = EventCorrected(
        corrects_event_id=corrects_event_id, corrected=corrected, reason=reason
    )
    return build(payload, **env)
