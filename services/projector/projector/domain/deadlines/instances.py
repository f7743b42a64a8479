"""From a rule and an incident's facts to its obligation instances (anchors and dues)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import msgspec

from projector.domain.deadlines.clock import Clock, Traced
from projector.domain.deadlines.context import Context
from projector.domain.deadlines.match import SATISFIED_AT, Facts, Hit, any_hits, hits, level_reached
from projector.domain.deadlines.model import Limit, Pack, Rule, Start
from projector.domain.deadlines.obligation import Instance
from projector.domain.deadlines.state import IncidentState
from projector.domain.deadlines.units import Duration

MAX_REPEATS = 1000


class View(msgspec.Struct, frozen=True, kw_only=True):
    """One rule of one pack applied to one incident."""

    state: IncidentState
    facts: Facts
    pack: Pack
    rule: Rule
    clock: Clock
    context: Context
    now: datetime

    @property
    def rule_ref(self) -> str:
        return f"{self.pack.id}/{self.rule.id}"

    def satisfiers(self, rule: Rule | None = None) -> list[Hit]:
        matchers = (rule or self.rule).satisfied_by
        return any_hits(self.facts, matchers, SATISFIED_AT)


def _rule(view: View, rule_id: str) -> Rule:
    return next(r for r in view.pack.rules if r.id == rule_id)


def _resolve(view: View, start: Start) -> list[Hit]:
    if start.rule is not None:
        found = view.satisfiers(_rule(view, start.rule))
    elif start.level is not None:
        found = [h for h in [level_reached(view.state, start.level)] if h]
    else:
        found = hits(view.facts, start, start.field)
    if start.after_rule is not None:
        first = view.satisfiers(_rule(view, start.after_rule))[:1]
        found = [h for h in found if first and h.at > first[0].at]
    if start.which == "each":
        return found
    return found[-1:] if start.which == "last" else found[:1]


Started = tuple[list[Hit], str | None]


def started(view: View, starts: tuple[Start, ...]) -> Started:
    """The anchors of the first start (in fallback order) that has any; if none has, the
    first ``fallback`` that has one, with a note saying the clock runs from it."""
    for start in starts:
        found = _resolve(view, start)
        if found:
            return found, None
    for start in starts:
        fallback = start.fallback
        found = hits(view.facts, fallback, fallback.field)[:1] if fallback else []
        if fallback and found:
            came = " or ".join(fallback.event) or "the first event"
            return found, f"runs from the fallback start {came}: {start.act()} never came"
    return [], None


def anchors(view: View, starts: tuple[Start, ...]) -> list[Hit]:
    return started(view, starts)[0]


def _within(view: View, limit: Limit, anchor: Hit) -> Duration:
    param = view.rule.within_param
    if param is None:
        return limit.within
    policy = getattr(anchor.fact.envelope.payload, "policy_ref", None)
    keys = [f"{view.pack.id}.{param}:{policy}"] if policy else []
    keys.append(f"{view.pack.id}.{param}")
    value = next((view.context.params[k] for k in keys if k in view.context.params), None)
    return limit.within if value is None else Duration.parse(value)


def _adjusted(view: View, due: Traced) -> Traced:
    rule, context = view.rule, view.context
    exempt = context.entity_type in rule.adjust_exempt or context.noon_rule_disapplied
    if rule.adjust == "noon_next_working_day" and not exempt:
        return due.then(view.clock.noon_rule(due.at))
    return due


def due_after(view: View, limit: Limit, anchor: Hit) -> Traced:
    within = _within(view, limit, anchor)
    return _adjusted(view, view.clock.trace(anchor.at, within, view.rule.cutoff))


def _instance(
    ref: str, anchor: Hit, due: Traced, opening: datetime | None,
    next_anchor: Hit | None = None, fallback: str | None = None,
) -> Instance:  # fmt: skip
    return Instance(ref=ref, anchor=anchor, due=due.at, raw=due.raw, adjustments=due.adjustments,
                    opening=opening, next_anchor=next_anchor, fallback=fallback)  # fmt: skip


def _single(view: View, limits: tuple[Limit, ...]) -> list[Instance]:
    options = [
        (due_after(view, lim, a), a, note)
        for lim in limits
        for found, note in [started(view, lim.start)]
        for a in found
    ]
    if not options:
        return []
    latest = max(anchor.at for _, anchor, _ in options)
    live = [option for option in options if option[0].at >= latest] or options
    due, anchor, note = min(live, key=lambda option: option[0].at)
    opening = anchor.at if view.rule.satisfied_after_start else None
    return [_instance(view.rule_ref, anchor, due, opening=opening, fallback=note)]


def _windows(view: View, limit: Limit) -> list[Instance]:
    found, note = started(view, limit.start)
    return [
        _instance(
            f"{view.rule_ref}#{anchor.position}",
            anchor,
            due_after(view, limit, anchor),
            opening=anchor.at,
            next_anchor=found[i + 1] if i + 1 < len(found) else None,
            fallback=note,
        )
        for i, anchor in enumerate(found)
    ]


def _slots(view: View, base: Hit) -> Iterator[datetime]:
    repeat = view.rule.repeat
    assert repeat is not None
    if repeat.at:
        yield from view.clock.daily(base.at, repeat.at)
        return
    assert repeat.every is not None
    slot = base.at
    while True:
        slot = view.clock.add(slot, repeat.every, None)
        yield slot


def _repeated(view: View) -> list[Instance]:
    assert view.rule.repeat is not None
    anchored, note = started(view, view.rule.start)
    base = anchored[:1]
    if not base:
        return []
    ends = any_hits(view.facts, view.rule.repeat.until, ("occurred_at",))
    end = next((h.at for h in ends if h.at > base[0].at), None)
    found: list[Instance] = []
    opening = base[0].at
    for slot in _slots(view, base[0]):
        if (end is not None and slot > end) or len(found) >= MAX_REPEATS:
            break
        label = slot.astimezone(view.clock.zone).strftime("%Y-%m-%dT%H:%M")
        ref = f"{view.rule_ref}#{label}"
        found.append(Instance(ref=ref, anchor=base[0], due=slot, opening=opening, fallback=note))
        opening = slot
        if slot > view.now:
            break
    return found


def instances(view: View) -> list[Instance]:
    if view.rule.repeat is not None:
        return _repeated(view)
    limits = view.rule.all_limits()
    if len(limits) == 1 and any(s.which == "each" for s in limits[0].start):
        return _windows(view, limits[0])
    return _single(view, limits)


def lead_of(duration: Duration) -> timedelta:
    minutes = {"m": 1, "h": 60, "d": 1440}.get(duration.unit, 0)
    return timedelta(minutes=duration.amount * minutes)
