"""One-line human summaries of events, in English and Chinese. Pure.

Summaries name what happened, never a person's personal data (``personal`` blocks,
recipients' names): they are safe to show wherever the event's type may be shown.
"""

from __future__ import annotations

import enum
import functools
import string
from datetime import datetime
from typing import Any, Literal

from contracts.events import Payload
from contracts.money import money

__all__ = ["MAX_LENGTH", "Language", "language", "money", "summary"]

Language = Literal["en", "zh"]
MAX_LENGTH = 200

_TEMPLATES: dict[str, tuple[str, str]] = {
    "incident.reported": (
        "Reported: {title} at {site} ({kind})",
        "报告事件：{title}，地点：{site}（{kind}）",
    ),
    "incident.classified": (
        "Classified {severity}, level {level}",
        "定级：{severity}，响应级别 {level}",
    ),
    "plan.activated": (
        "Plan {plan_name} activated at level {level}",
        "启动预案 {plan_name}（{level}）",
    ),
    "notification.sent": (
        "Notified the {recipient_role} by {channel}",
        "已通过{channel}通知{recipient_role}",
    ),
    "responder.dispatched": ("{responder} dispatched", "已派出 {responder}"),
    "responder.arrived": ("{responder} arrived on site", "{responder} 到达现场"),
    "responder.departed": ("{responder} left the site", "{responder} 离开现场"),
    "action.taken": ("Action ({category}): {text}", "处置措施（{category}）：{text}"),
    "incident.escalated": (
        "Escalated from {from_level} to {to_level}: {reason}",
        "升级：{from_level} → {to_level}，原因：{reason}",
    ),
    "casualty.recorded": (
        "{count} casualties recorded ({severity})",
        "记录伤亡 {count} 人（{severity}）",
    ),
    "loss.recorded": (
        "Loss {loss_id} recorded: {amount} ({category})",
        "记录损失 {loss_id}：{amount}（{category}）",
    ),
    "loss.revised": (
        "Loss {loss_id} revised to {amount}: {reason}",
        "修订损失 {loss_id} 为 {amount}：{reason}",
    ),
    "evidence.attached": (
        "Evidence attached ({kind}): {description}",
        "附加证据（{kind}）：{description}",
    ),
    "service.restored": ("Service restored: {service}", "服务已恢复：{service}"),
    "incident.resolved": ("Resolved: {reason}", "处置完毕：{reason}"),
    "incident.closed": ("Closed: {reason}", "结案：{reason}"),
    "incident.reopened": ("Reopened: {reason}", "重新开启：{reason}"),
    "incident.cancelled": ("Cancelled as a false alarm: {reason}", "取消（误报）：{reason}"),
    "subject.erased": (
        "Personal data of {subject} erased: {reason}",
        "已删除 {subject} 的个人信息：{reason}",
    ),
    "report.filed": (
        "Report filed with {recipient} ({regime} {stage})",
        "已向{recipient}报送（{regime} {stage}）",
    ),
    "claim.opened": (
        "Claim {claim_number} opened with {insurer}",
        "向{insurer}提出理赔 {claim_number}",
    ),
    "claim.updated": (
        "Claim {claim_number} updated: {status}",
        "理赔 {claim_number} 更新：{status}",
    ),
    "deadline.waived": (
        "Deadline {deadline_ref} waived by {authorised_by}: {reason}",
        "时限 {deadline_ref} 经{authorised_by}豁免：{reason}",
    ),
    "deadline.paused": (
        "Deadline {deadline_ref} paused by {authorised_by}: {reason}",
        "时限 {deadline_ref} 经{authorised_by}暂停：{reason}",
    ),
    "deadline.resumed": (
        "Deadline {deadline_ref} resumed by {authorised_by}",
        "时限 {deadline_ref} 经{authorised_by}恢复计时",
    ),
    "note.added": ("Note: {text}", "备注：{text}"),
    "event.corrected": (
        "Corrects event {corrects_event_id}: {reason}",
        "更正事件 {corrects_event_id}：{reason}",
    ),
    "organisation.registered": (
        "Organisation {organisation_id} registered: {name}",
        "单位登记 {organisation_id}：{name}",
    ),
    "organisation.updated": (
        "Organisation {organisation_id} profile updated: {name}",
        "单位信息变更 {organisation_id}：{name}",
    ),
    "site.registered": (
        "Site {site_id} of {organisation_id} registered: {name}",
        "场所登记 {site_id}（{organisation_id}）：{name}",
    ),
    "site.updated": (
        "Site {site_id} of {organisation_id} updated: {name}",
        "场所信息变更 {site_id}（{organisation_id}）：{name}",
    ),
}


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _field(payload: Payload, name: str) -> str:
    if name == "site":
        site = getattr(payload, "site", None)
        return site.name if site is not None else "—"
    if name == "amount":
        return money(getattr(payload, "amount_minor", 0), getattr(payload, "currency", ""))
    return _text(getattr(payload, name, None))


@functools.cache
def _names(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def summary(event_type: str, payload: Payload, language: Language = "en") -> str:
    """The one-line summary of an event (``event_type`` with or without its ``.vN``)."""
    base = event_type.rsplit(".v", 1)[0]
    templates = _TEMPLATES.get(base)
    if templates is None:
        return base
    template = templates[language == "zh"]
    text = template.format_map({name: _field(payload, name) for name in _names(template)})
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1] + "…"


def language(accept_language: str | None) -> Language:
    """The best of English and Chinese for an ``Accept-Language`` header (default English)."""
    best: tuple[float, Language] = (0.0, "en")
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.strip().lower().split("-")[0]
        if primary in ("en", "zh") and quality > best[0]:
            best = (quality, "zh" if primary == "zh" else "en")
    return best[1]
