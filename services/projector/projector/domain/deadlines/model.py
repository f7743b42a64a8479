"""A policy pack as data: the TOML schema, decoded by msgspec (unknown keys are errors).

See ``services/projector/packs/README.md`` for the format and the meaning of each key.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from projector.domain.deadlines.units import Duration, TimeOfDay

Scalar = str | bool | int
Value = Scalar | list[Scalar]
Which = Literal["first", "last", "each"]
Adjust = Literal["none", "noon_next_working_day"]
Basis = Literal["report", "latest"]


class _Strict(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class Matcher(_Strict, frozen=True, kw_only=True):
    """Selects events: by type, payload values (a list means "any of"), payload text
    containing a substring, and the actor's role. Empty parts match everything."""

    event: tuple[str, ...] = ()
    match: dict[str, Value] = {}
    contains: dict[str, str] = {}
    actor_role: tuple[str, ...] = ()


class Fallback(Matcher, frozen=True, kw_only=True):
    """Where a clock starts when its starting act never came: the first matching event's
    time ``field`` (e.g. the report, for a plan whose clock runs from it)."""

    field: tuple[str, ...] = ("occurred_at",)


class Start(Matcher, frozen=True, kw_only=True):
    """Where a clock starts: a matching event's time ``field`` (the first of the listed
    fields that is set; ``occurred_at`` is the envelope's valid time), the satisfaction of
    another ``rule`` of the pack (chained stages), or the first time the incident reached
    a response ``level``; ``fallback`` when none of a limit's starts came."""

    field: tuple[str, ...] = ("occurred_at",)
    rule: str | None = None
    level: str | None = None
    which: Which = "first"
    after_rule: str | None = None
    fallback: Fallback | None = None

    def act(self) -> str:
        """The starting act, in words."""
        if self.rule is not None:
            return f"rule {self.rule} met"
        if self.level is not None:
            return f"level {self.level} reached"
        return " or ".join(self.event)


class Limit(_Strict, frozen=True, kw_only=True):
    """One limit: ``within`` after ``start`` (a list of starts is a fallback order)."""

    start: tuple[Start, ...]
    within: Duration


class Repeat(_Strict, frozen=True, kw_only=True):
    """Repetition after the start: fixed wall-clock times each day (``at``) or a period
    (``every``), until one of the ``until`` events."""

    at: tuple[TimeOfDay, ...] = ()
    every: Duration | None = None
    until: tuple[Matcher, ...] = ()


class When(_Strict, frozen=True, kw_only=True):
    """Conditions, all of which must hold for the rule to bind an incident."""

    kind: tuple[str, ...] = ()
    kind_not: tuple[str, ...] = ()
    severity_at_least: str | None = None
    level_at_least: str | None = None
    casualty: tuple[str, ...] = ()
    fatality: bool = False
    loss_at_least: int | None = None
    loss_currency: str | None = None
    regime: tuple[str, ...] = ()
    context: dict[str, tuple[str, ...]] = {}


class Rule(_Strict, frozen=True, kw_only=True):
    """One obligation. Either ``start`` + ``within`` or ``limits`` (the earliest wins)."""

    id: str
    stage: str
    title: str
    when: When = When()
    start: tuple[Start, ...] = ()
    within: Duration | None = None
    within_param: str | None = None
    limits: tuple[Limit, ...] = ()
    repeat: Repeat | None = None
    cutoff: TimeOfDay | None = None
    adjust: Adjust = "none"
    adjust_exempt: tuple[str, ...] = ()
    satisfied_by: tuple[Matcher, ...]
    cancel_by: tuple[Matcher, ...] = ()
    satisfied_after_start: bool = False
    late_needs_reason: bool = False
    lead: Duration | None = None

    def all_limits(self) -> tuple[Limit, ...]:
        if self.limits:
            return self.limits
        if self.within is not None and self.start:
            return (Limit(start=self.start, within=self.within),)
        return ()


class Calendar(_Strict, frozen=True, kw_only=True):
    """The pack's calendar; unset parts come from the deployment's Context."""

    timezone: str | None = None
    country: str | None = None
    subdivision: str | None = None
    extra_holidays: tuple[date, ...] = ()
    working_weekends: tuple[date, ...] = ()


REPORT_FIELDS = frozenset(
    {
        # from the log
        "site", "occurred_at", "detected_at", "aware_at", "classified_major_at",
        "materiality_determined_at", "kind", "description", "severity", "level",
        "casualties", "fatalities", "losses", "measures", "status", "restored_at",
        "services_affected", "reports_filed", "notifications", "evidence",
        # no event carries these: the report marks them for the reporter to supply
        "cause", "data_subjects", "consequences", "contact", "cross_border",
    }
)  # fmt: skip


class ReportStage(_Strict, frozen=True, kw_only=True):
    """What a report to the regulator at one stage must contain (field names the report
    builder knows; see the packs README), beyond the plans' own headings."""

    title: str = ""
    fields: tuple[str, ...] = ()


class Pack(_Strict, frozen=True, kw_only=True):
    """A versioned policy pack. ``file`` and ``digest`` are set by the loader.

    Exactly one of ``subject`` (a regime the organisation is subject to) or ``plan`` (an
    emergency plan it has adopted) says when the pack applies; ``basis = "latest"`` judges
    it with the profile in force when read rather than at the incident's report."""

    id: str
    version: str
    title: str
    subject: str | None = None
    plan: str | None = None
    basis: Basis = "report"
    calendar: Calendar = Calendar()
    default_lead: Duration = Duration(0, "m")
    rules: tuple[Rule, ...] = msgspec.field(name="rule")
    report: dict[str, ReportStage] = {}
    file: str = ""
    digest: bytes = b""  # set by the loader: SHA-256 of what the file says (see pins)
