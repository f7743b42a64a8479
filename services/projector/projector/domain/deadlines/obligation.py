"""An obligation, and how its state is judged at an instant."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from projector.domain.deadlines.clock import Adjustment
from projector.domain.deadlines.match import Hit

State = Literal[
    "pending",
    "due_soon",
    "met",
    "met_late",
    "missed",
    "waived",
    "paused",
    "not_applicable",
    "superseded",
]
STATES: tuple[State, ...] = State.__args__  # type: ignore[attr-defined]
# Open: the obligation may still be met, missed or waived; every other state is final.
OPEN: frozenset[State] = frozenset({"pending", "due_soon", "paused"})
# The states the clock alone turns (``judge``'s last two lines): pending becomes due_soon
# at the lead time before due, and either becomes missed at due.
TURNING: tuple[State, ...] = ("pending", "due_soon")


# The clock's two rules, each a comparison with ``now`` written once and rendered both to
# Python (``judge``) and to SQL (``clock_sql``, the alert scheduler). The due instant itself
# is still in time: "within 2 hours" is kept by a report at the second hour (``judge`` counts
# a satisfaction at ``due`` as met), so missed is strictly after due; due soon starts at the
# lead time before due, inclusive.
MISSED_WHEN_DUE = "<"  # due < now
DUE_SOON_WHEN_LEAD_STARTS = "<="  # due - lead <= now
_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
}


def is_missed(due: datetime, now: datetime) -> bool:
    return _COMPARE[MISSED_WHEN_DUE](due, now)


def is_due_soon(due: datetime, lead: timedelta, now: datetime) -> bool:
    return _COMPARE[DUE_SOON_WHEN_LEAD_STARTS](due - lead, now)


def _quoted(states: tuple[State, ...]) -> str:
    return ", ".join(f"'{state}'" for state in states)


def missed_sql(now: str) -> str:
    """SQL: the read model's ``due_at`` has passed at ``now``."""
    return f"due_at {MISSED_WHEN_DUE} {now}"


def due_soon_sql(now: str) -> str:
    """SQL: the lead time before the read model's ``due_at`` has begun at ``now``."""
    return f"due_at - make_interval(secs => lead_seconds) {DUE_SOON_WHEN_LEAD_STARTS} {now}"


def clock_sql(now: str) -> str:
    """SQL for a stored obligation's state at ``now`` as the clock alone turns it, over the
    read model's columns ``state``, ``due_at`` and ``lead_seconds``: the stored state was
    judged when its incident was last folded, and only time has passed since."""
    return (
        f"(CASE WHEN state IN ({_quoted(TURNING)}) AND {missed_sql(now)} THEN 'missed'"
        f" WHEN state = '{TURNING[0]}' AND {due_soon_sql(now)}"
        f" THEN '{TURNING[1]}' ELSE state END)"
    )


def turning_sql() -> str:
    """SQL: the stored state is one the clock turns."""
    return f"state IN ({_quoted(TURNING)})"


class Obligation(msgspec.Struct, frozen=True, kw_only=True):
    """One deadline of one incident under one pinned pack version.

    ``ref`` is stable and unique within the incident: ``<pack>/<rule>`` for a single
    obligation, ``<pack>/<rule>#<position>`` for one opened by an event (a window), or
    ``<pack>/<rule>#<local YYYY-MM-DDTHH:MM>`` for a repeated one. ``due_at`` includes any
    paused time. ``pending``, ``due_soon`` and ``missed`` are judged at ``now``.

    It explains itself: ``anchor_type`` is the start event's type; ``raw_due_at`` the due
    time of the duration alone, and ``adjustments`` each step from it to ``due_at``
    (business days, holidays, the noon rule, a fixed clock time, pauses); ``zone`` the IANA
    zone of the pack's clock and ``due_local`` the due time there (ISO 8601 with the
    zone's offset); ``basis_position`` and ``basis`` the profile the obligation was judged
    with (the position of its last profile event and the facts that mattered).

    ``fallback_start`` says why the clock runs from a rule's fallback start (its starting
    act never came), else None.
    """

    incident_id: str
    pack_id: str
    pack_version: str
    rule: str
    stage: str
    title: str
    ref: str
    anchor_position: int | None
    anchor_at: datetime | None
    due_at: datetime
    satisfied_position: int | None = None
    satisfied_at: datetime | None = None
    state: State
    reason: str | None = None
    lead_time: timedelta = timedelta(0)
    anchor_type: str | None = None
    raw_due_at: datetime | None = None
    adjustments: tuple[Adjustment, ...] = ()
    zone: str = "UTC"
    due_local: str | None = None
    basis_position: int | None = None
    basis: dict[str, str] = {}
    fallback_start: str | None = None


class Instance(msgspec.Struct, frozen=True, kw_only=True):
    """An obligation before judgement: where its clock starts and when it is due."""

    ref: str
    anchor: Hit | None
    due: datetime
    raw: datetime | None = None
    adjustments: tuple[Adjustment, ...] = ()
    opening: datetime | None = None
    next_anchor: Hit | None = None
    fallback: str | None = None


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """What the log says about one instance."""

    satisfier: Hit | None = None
    cancel: Hit | None = None
    cancel_reason: str | None = None
    waiver: tuple[Hit, str] | None = None
    paused_for: timedelta = timedelta(0)
    open_pause: tuple[Hit, str] | None = None
    late_reason: str | None = None


def pause_step(instance: Instance, evidence: Evidence, due: datetime) -> Adjustment | None:
    """The step pauses added to ``instance``'s due time, judged as ``due``."""
    if due == instance.due:
        return None
    parts = [f"paused for {evidence.paused_for}"] if evidence.paused_for else []
    if evidence.open_pause is not None:
        hit, reason = evidence.open_pause
        parts.append(f"paused since {hit.at.isoformat()} (position {hit.position}): {reason}")
    return Adjustment(kind="pause", detail="; ".join(parts), before=instance.due, after=due)


def _before(first: Hit | None, other: Hit | None) -> bool:
    return first is not None and (other is None or first.at < other.at)


def judge(
    instance: Instance, evidence: Evidence, now: datetime, lead: timedelta
) -> tuple[State, datetime, str | None]:
    """The state, the due time (with paused time added) and the reason, at ``now``."""
    due = instance.due + evidence.paused_for
    if evidence.open_pause is not None:
        due += max(now - evidence.open_pause[0].at, timedelta(0))
    hit, nxt = evidence.satisfier, instance.next_anchor
    if nxt is not None and nxt.at < due and (hit is None or hit.at > nxt.at):
        return "superseded", due, f"superseded by the change at position {nxt.position}"
    if _before(evidence.cancel, hit):
        return "not_applicable", due, evidence.cancel_reason
    if evidence.waiver is not None and _before(evidence.waiver[0], hit):
        return "waived", due, evidence.waiver[1]
    if hit is not None:
        return ("met", due, None) if hit.at <= due else ("met_late", due, evidence.late_reason)
    if evidence.open_pause is not None:
        return "paused", due, evidence.open_pause[1]
    if is_missed(due, now):
        return "missed", due, None
    return ("due_soon" if is_due_soon(due, lead, now) else "pending"), due, None
