"""The incident's own lifecycle: reported, classified, escalated, resolved, closed…"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec

from contracts.enums import IncidentKind, ReportChannel
from contracts.events.base import Payload, Personal, Site
from contracts.levels import Level, Regime, Severity
from contracts.types import AwareDatetime, FieldName, Short, Text


class IncidentReported(Payload, frozen=True, kw_only=True):
    """接报 (report received): the first record of an incident. ``personal`` is the reporter."""

    TYPE = "incident.reported.v1"
    kind: IncidentKind
    title: Short
    description: Text = ""
    site: Site
    channel: ReportChannel
    detected_at: AwareDatetime | None = None
    personal: Personal | None = None


class IncidentClassified(Payload, frozen=True, kw_only=True):
    """定级 (判断事件等级): severity, response level, regimes and the regulatory facts."""

    TYPE = "incident.classified.v1"
    severity: Severity
    level: Level | None = None
    regimes: Annotated[tuple[Regime, ...], msgspec.Meta(max_length=32)] = ()
    aware_at: AwareDatetime | None = None
    classified_major_at: AwareDatetime | None = None
    materiality_determined_at: AwareDatetime | None = None
    rationale: Text = ""


class IncidentEscalated(Payload, frozen=True, kw_only=True):
    """升级 (启动更高级别响应): from one response level to another."""

    TYPE = "incident.escalated.v1"
    from_level: Level
    to_level: Level
    reason: Text


class ServiceRestored(Payload, frozen=True, kw_only=True):
    """恢复 (服务/供电/系统恢复): what was restored."""

    TYPE = "service.restored.v1"
    service: Short
    text: Text = ""


class _Reasoned(Payload, frozen=True, kw_only=True):
    reason: Text


class IncidentResolved(_Reasoned, frozen=True, kw_only=True):
    """处置完毕 (险情消除): the hazard is over; the incident stays open for aftermath."""

    TYPE = "incident.resolved.v1"


class IncidentClosed(_Reasoned, frozen=True, kw_only=True):
    """应急结束 / 预案终止: the emergency is declared over and the record is closed."""

    TYPE = "incident.closed.v1"


class IncidentReopened(_Reasoned, frozen=True, kw_only=True):
    """重新启动 (reopened): a closed incident is opened again."""

    TYPE = "incident.reopened.v1"


class IncidentCancelled(_Reasoned, frozen=True, kw_only=True):
    """误报 (false alarm): the report turned out not to be an incident."""

    TYPE = "incident.cancelled.v1"


class NoteAdded(Payload, frozen=True, kw_only=True):
    """记录 (a free-text note in the incident log, e.g. 组长日志)."""

    TYPE = "note.added.v1"
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class EventCorrected(Payload, frozen=True, kw_only=True):
    """更正 (不得谎报、瞒报): corrects an earlier event; the original is never changed."""

    TYPE = "event.corrected.v1"
    corrects_event_id: UUID
    corrected: Annotated[dict[FieldName, Any], msgspec.Meta(min_length=1, max_length=64)]
    reason: Text
