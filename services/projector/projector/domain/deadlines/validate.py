"""Checks a decoded pack beyond its types: names that must exist, combinations that make
sense. Each problem is ``(rule id or None, field path, message)``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import msgspec

from contracts.enums import IncidentKind
from contracts.levels import CasualtySeverity, Level, Regime, Severity
from contracts.registry import DEFAULT_REGISTRY
from projector.domain.deadlines.applicability import PLANS, SUBJECTS
from projector.domain.deadlines.context import CONTEXT_FIELDS
from projector.domain.deadlines.model import REPORT_FIELDS, Matcher, Pack, Rule, Start, When

Problem = tuple[str | None, str, str]
IDENT = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ENUMS = {
    "kind": IncidentKind,
    "kind_not": IncidentKind,
    "casualty": CasualtySeverity,
    "regime": Regime,
}


def _fields(event: str) -> set[str] | None:
    cls = DEFAULT_REGISTRY.payload_type(event)
    return None if cls is None else {f.name for f in msgspec.structs.fields(cls)}


def _matcher(m: Matcher, path: str, extra: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    known: set[str] = set()
    for i, event in enumerate(m.event):
        names = _fields(event)
        if names is None:
            yield f"{path}.event[{i}]", f"unknown event type {event!r}"
        else:
            known |= names
    if not m.event:
        return
    for key in (*m.match, *m.contains, *extra):
        if key not in known and key != "occurred_at":
            yield f"{path}.{key}", f"no such payload field on {', '.join(m.event)}"


def _start(rule: Rule, pack: Pack, s: Start, path: str) -> Iterator[tuple[str, str]]:
    kinds = [k for k in ("event", "rule", "level") if getattr(s, k)]
    if len(kinds) != 1:
        yield path, "give exactly one of event, rule or level"
    yield from _matcher(s, path, s.field)
    ids = {r.id for r in pack.rules}
    for key in ("rule", "after_rule"):
        target = getattr(s, key)
        if target is not None and (target not in ids or target == rule.id):
            yield f"{path}.{key}", f"no other rule {target!r} in this pack"
    if s.level is not None and s.level not in set(Level):
        yield f"{path}.level", f"unknown level {s.level!r}"
    if s.fallback is not None:
        if not s.fallback.event:
            yield f"{path}.fallback.event", "name the event the clock falls back to"
        yield from _matcher(s.fallback, f"{path}.fallback", s.fallback.field)


def _when(w: When) -> Iterator[tuple[str, str]]:
    for key, enum in _ENUMS.items():
        for value in getattr(w, key):
            if value not in set(enum):
                yield f"when.{key}", f"unknown value {value!r}"
    if w.severity_at_least is not None and w.severity_at_least not in set(Severity):
        yield "when.severity_at_least", f"unknown severity {w.severity_at_least!r}"
    if w.level_at_least is not None and w.level_at_least not in set(Level):
        yield "when.level_at_least", f"unknown level {w.level_at_least!r}"
    if w.loss_at_least is not None and w.loss_currency is None:
        yield "when.loss_currency", "required with loss_at_least"
    for key in w.context:
        if key not in CONTEXT_FIELDS:
            yield (
                f"when.context.{key}",
                f"not a Context field ({', '.join(sorted(CONTEXT_FIELDS))})",
            )


def _shape(rule: Rule) -> Iterator[tuple[str, str]]:
    if rule.limits and (rule.start or rule.within):
        yield "limits", "give either start + within or limits, not both"
    if not rule.limits and not rule.start:
        yield "start", "required (or limits)"
    if not rule.limits and rule.repeat is None and rule.within is None:
        yield "within", "required (a duration such as 4h)"
    if rule.repeat is not None and bool(rule.repeat.at) == (rule.repeat.every is not None):
        yield "repeat", "give exactly one of at or every"
    each = [s for lim in rule.all_limits() for s in lim.start if s.which == "each"]
    if each and (len(rule.all_limits()) > 1 or rule.repeat is not None):
        yield "start.which", "each needs a single limit and no repeat"
    if rule.lead is not None and rule.lead.unit not in ("m", "h", "d"):
        yield "lead", "use minutes, hours or days"
    if rule.cutoff is not None and any(x.within.unit not in ("d", "bd") for x in rule.all_limits()):
        yield "cutoff", "only for durations in days or business days"
    if rule.adjust_exempt and rule.adjust == "none":
        yield "adjust_exempt", "needs an adjust rule"
    if rule.within_param is not None and rule.within is None:
        yield "within_param", "needs a default within"


def _rule(rule: Rule, pack: Pack) -> Iterator[tuple[str, str]]:
    if not IDENT.match(rule.id):
        yield "id", "use lower-case letters, digits and _"
    yield from _shape(rule)
    yield from _when(rule.when)
    for i, s in enumerate(rule.start):
        yield from _start(rule, pack, s, f"start[{i}]")
    for j, lim in enumerate(rule.limits):
        for i, s in enumerate(lim.start):
            yield from _start(rule, pack, s, f"limits[{j}].start[{i}]")
    for key in ("satisfied_by", "cancel_by"):
        for i, m in enumerate(getattr(rule, key)):
            yield from _matcher(m, f"{key}[{i}]")
    for i, m in enumerate(rule.repeat.until if rule.repeat else ()):
        yield from _matcher(m, f"repeat.until[{i}]")


def _applies(pack: Pack) -> Iterator[Problem]:
    if (pack.subject is None) == (pack.plan is None):
        yield None, "subject", "give exactly one of subject (a regime) or plan"
    for field, value, known in (("subject", pack.subject, SUBJECTS), ("plan", pack.plan, PLANS)):
        if value is not None and value not in known:
            yield None, field, f"unknown {field} {value!r}; known: {', '.join(sorted(known))}"


def _pack(pack: Pack) -> Iterator[Problem]:
    if not IDENT.match(pack.id):
        yield None, "id", "use lower-case letters, digits and _"
    yield from _applies(pack)
    if pack.calendar.timezone is not None:
        try:
            ZoneInfo(pack.calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            yield None, "calendar.timezone", f"unknown time zone {pack.calendar.timezone!r}"
    if pack.calendar.country is not None:
        try:
            holidays.country_holidays(pack.calendar.country, subdiv=pack.calendar.subdivision)
        except NotImplementedError:
            yield None, "calendar.country", f"no holiday calendar {pack.calendar.country!r}"


def _report(pack: Pack) -> Iterator[Problem]:
    stages = {rule.stage for rule in pack.rules}
    for stage, wanted in pack.report.items():
        if stage not in stages:
            yield None, f"report.{stage}", f"no rule has stage {stage!r}"
        for name in wanted.fields:
            if name not in REPORT_FIELDS:
                known = ", ".join(sorted(REPORT_FIELDS))
                yield None, f"report.{stage}.fields", f"unknown field {name!r}; known: {known}"


def problems(pack: Pack) -> Iterator[Problem]:
    yield from _pack(pack)
    yield from _report(pack)
    seen: set[str] = set()
    for rule in pack.rules:
        if rule.id in seen:
            yield rule.id, "id", "duplicate rule id"
        seen.add(rule.id)
        for path, message in _rule(rule, pack):
            yield rule.id, path, message
