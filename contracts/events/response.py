"""What responders do: plans, notifications, dispatches, measures, casualties, evidence."""

from __future__ import annotations

from typing import Annotated

from contracts.enums import ActionCategory, NotifyChannel, RecipientRole
from contracts.events.base import Payload, Personal
from contracts.levels import CasualtySeverity, EvidenceKind, Level
from contracts.types import PERSONAL, AwareDatetime, Count, Name, Ref, Sha256, Short, Text, Uri


class PlanActivated(Payload, frozen=True, kw_only=True):
    """启动预案 (activate the emergency plan) at a response level."""

    TYPE = "plan.activated.v1"
    plan_id: Ref
    level: Level
    plan_name: Name = ""


class NotificationSent(Payload, frozen=True, kw_only=True):
    """上报 / 通知 / 报警: someone was told (a superior, a team, 110/119/120, a regulator)."""

    TYPE = "notification.sent.v1"
    recipient_role: RecipientRole
    recipient_name: Annotated[Name, PERSONAL] = ""
    channel: NotifyChannel
    reference: Ref | None = None
    summary: Text = ""


class _Responder(Payload, frozen=True, kw_only=True):
    responder: Short
    team: Name = ""
    role: RecipientRole | None = None
    vehicle_plate: Ref | None = None


class ResponderDispatched(_Responder, frozen=True, kw_only=True):
    """派遣 / 调度 (dispatched): who was sent, by which team, and when they are expected."""

    TYPE = "responder.dispatched.v1"
    eta: AwareDatetime | None = None


class ResponderArrived(_Responder, frozen=True, kw_only=True):
    """到达现场 (arrived on site)."""

    TYPE = "responder.arrived.v1"


class ResponderDeparted(_Responder, frozen=True, kw_only=True):
    """离开现场 (departed), e.g. the ambulance leaving for ``destination`` (a hospital)."""

    TYPE = "responder.departed.v1"
    destination: Name = ""


class ActionTaken(Payload, frozen=True, kw_only=True):
    """采取措施 (a measure taken: 疏散, 切断电源, 关闭阀门, 设置警戒线, 保存录像…).
    ``personal`` identifies a person the measure concerned (e.g. someone released)."""

    TYPE = "action.taken.v1"
    category: ActionCategory
    text: Text = ""
    personal: Personal | None = None


class CasualtyRecorded(Payload, frozen=True, kw_only=True):
    """人员伤亡 (casualties). ``personal`` identifies the person, when known."""

    TYPE = "casualty.recorded.v1"
    count: Count
    severity: CasualtySeverity
    hospital: Name = ""
    personal: Personal | None = None


class EvidenceAttached(Payload, frozen=True, kw_only=True):
    """保留证据 (evidence kept: 监控录像, 照片, 日志, 食品留样…)."""

    TYPE = "evidence.attached.v1"
    kind: EvidenceKind
    uri: Uri
    sha256: Sha256 | None = None
    retained_until: AwareDatetime | None = None
    description: Text = ""
