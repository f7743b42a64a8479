"""The content of a report to a superior or a regulator, from an incident's facts. Pure.

The plans' headings come first (site and location, time, type, impact: property and funds
lost, casualties and scope; measures taken; trend and potential further loss; other),
then the fields the chosen pack's stage names (``[report.<stage>]``). A field no event
carries is listed with ``supplied = false``: the reporter must add it; nothing is guessed.
Personal data never appears.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from contracts.events import (
    EvidenceAttached,
    IncidentClassified,
    IncidentReported,
    NoteAdded,
    ReportFiled,
    ServiceRestored,
)
from projector.domain import corrections
from projector.domain.deadlines import Pack
from projector.domain.facts import Fact
from projector.domain.models import Models
from projector.views import report_text
from projector.views.catalogue import Language
from projector.views.ledger_tie import LedgerTie
from projector.views.summaries import money

MEASURES = frozenset(
    {"action.taken.v1", "plan.activated.v1", "notification.sent.v1", "responder.dispatched.v1",
     "responder.arrived.v1", "responder.departed.v1", "incident.escalated.v1",
     "service.restored.v1"}
)  # fmt: skip


TIMES = (
    "detected_at", "reported_at", "first_superior_notified_at", "first_arrival_at",
    "restored_at", "resolved_at", "closed_at",
)  # fmt: skip


class Field(msgspec.Struct, frozen=True):
    name: str
    value: Any
    supplied: bool


class Report(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str
    generated_at: datetime
    policy: dict[str, str] | None
    stage: str | None
    stage_title: str
    site: dict[str, Any]
    time: dict[str, Any]
    type: dict[str, Any]
    impact: dict[str, Any]
    measures: list[dict[str, Any]]
    trend: dict[str, Any]
    other: list[dict[str, Any]]
    fields: list[Field]
    deadlines: list[dict[str, Any]]  # the obligations, their times in the site's zone
    corrected: tuple[corrections.Amendment, ...] = ()  # the values corrected, as recorded
    language: Language | None = None  # None: both, Chinese first
    zone: str = "UTC"  # the site's, in which every time is given
    ledger: LedgerTie | None = None


class Reader(msgspec.Struct, frozen=True):
    """Who reads: in which language (None: both) and zone."""

    language: Language | None = None
    zone: str = "UTC"


ENGLISH = Reader("en")
_KEPT = (datetime, timedelta)  # a deadline's times, to be given in the site's zone
_ENDED = frozenset({"closed", "cancelled"})


def _first(facts: Sequence[Fact], kind: type) -> Any:
    return next((f.envelope.payload for f in facts if isinstance(f.envelope.payload, kind)), None)


def _lines(
    facts: Sequence[Fact], types: frozenset[str], reader: Reader = ENGLISH
) -> list[dict[str, Any]]:
    return [
        {
            "at": report_text.local(f.envelope.occurred_at, reader.zone),
            "type": f.type,
            "summary": report_text.line(f.type, f.envelope.payload, reader.language),
        }
        for f in facts
        if f.type in types
    ]


def _impact(facts: Sequence[Fact], models: Models, reader: Reader) -> dict[str, Any]:
    book = models.losses
    services = sorted(
        {
            f.envelope.payload.service
            for f in facts
            if isinstance(f.envelope.payload, ServiceRestored)
        }
    )
    return {
        "losses": {cur: money(total, cur) for cur, total in sorted(book.totals.items())},
        "losses_local": [
            report_text.amount(total, cur, reader.language)
            for cur, total in sorted(book.totals.items())
        ],
        "loss_lines": [
            {
                "loss_id": k,
                "category": v.latest.category,
                "amount": money(v.latest.amount_minor, v.latest.currency),
                "amount_local": report_text.amount(
                    v.latest.amount_minor, v.latest.currency, reader.language
                ),
                "basis": v.latest.basis,
            }
            for k, v in sorted(book.losses.items())
        ],
        "casualties": dict(models.status.casualties),
        "scope": {"location_code": models.status.location_code, "services_affected": services},
    }


def _trend(models: Models, reader: Reader) -> dict[str, Any]:
    """Where the incident is heading; an ended one has no open deadlines and no further
    loss to expect."""
    estimates = [
        report_text.amount(line.latest.amount_minor, line.latest.currency, reader.language)
        for line in models.losses.losses.values()
        if line.latest.basis == "estimate"
    ]
    status = models.status
    ongoing = {"open_deadlines": status.open_deadlines, "potential_further_loss": estimates}
    return {
        "status": status.status,
        "restored_at": status.restored_at,
        "resolved_at": status.resolved_at,
        "missed_deadlines": status.missed_deadlines,
        **({} if status.status in _ENDED else ongoing),
    }


def _known(facts: Sequence[Fact], models: Models, reader: Reader) -> dict[str, Callable[[], Any]]:
    s, reported = models.status, _first(facts, IncidentReported)
    classified = [
        f.envelope.payload for f in facts if isinstance(f.envelope.payload, IncidentClassified)
    ]

    def latest(name: str) -> Any:
        return next((getattr(c, name) for c in reversed(classified) if getattr(c, name)), None)

    return {
        "site": lambda: msgspec.to_builtins(reported.site) if reported else None,
        "occurred_at": lambda: facts[0].envelope.occurred_at if facts else None,
        "detected_at": lambda: s.detected_at,
        "aware_at": lambda: latest("aware_at"),
        "classified_major_at": lambda: latest("classified_major_at"),
        "materiality_determined_at": lambda: latest("materiality_determined_at"),
        "kind": lambda: s.kind,
        "description": lambda: (reported.description or reported.title) if reported else None,
        "severity": lambda: s.severity,
        "level": lambda: s.level,
        "casualties": lambda: dict(s.casualties) or None,
        "fatalities": lambda: s.casualties.get("fatal", 0),
        "losses": lambda: {c: money(t, c) for c, t in s.loss_totals.items()} or None,
        "measures": lambda: [m["summary"] for m in _lines(facts, MEASURES, reader)] or None,
        "status": lambda: s.status,
        "restored_at": lambda: s.restored_at,
        "services_affected": lambda: (
            _impact(facts, models, reader)["scope"]["services_affected"] or None
        ),
        "reports_filed": lambda: _lines(facts, frozenset({ReportFiled.TYPE}), reader) or None,
        "notifications": lambda: _lines(facts, frozenset({"notification.sent.v1"}), reader) or None,
        "evidence": lambda: _lines(facts, frozenset({EvidenceAttached.TYPE}), reader) or None,
    }


def build(
    facts: Sequence[Fact],
    models: Models,
    pack: Pack | None,
    stage: str | None,
    now: datetime,
    *,
    reader: Reader = ENGLISH,
    ledger: LedgerTie | None = None,
) -> Report:
    """``facts`` in position order (as recorded: read with their corrections applied);
    ``models`` folded from them (``projector.domain.models``); times in the reader's zone."""
    facts = corrections.apply(facts).facts
    reported = _first(facts, IncidentReported)
    known = _known(facts, models, reader)
    zone = reader.zone
    wanted = pack.report.get(stage or "") if pack else None
    fields = [_field(name, known) for name in (wanted.fields if wanted else ())]
    status = models.status
    return Report(
        incident_id=status.incident_id,
        generated_at=report_text.local(now, zone),
        policy={"id": pack.id, "version": pack.version, "title": pack.title} if pack else None,
        stage=stage,
        stage_title=wanted.title if wanted else "",
        site=known["site"]() or {},
        time={k: report_text.localised(getattr(status, k), zone) for k in TIMES},
        type={
            "kind": status.kind,
            "title": status.title,
            "description": reported.description if reported else None,
            "severity": status.severity,
            "level": status.level,
        },
        impact=_impact(facts, models, reader),
        measures=_lines(facts, MEASURES, reader),
        trend=report_text.localised(_trend(models, reader), zone),
        other=_lines(facts, frozenset({NoteAdded.TYPE}), reader),
        fields=[
            msgspec.structs.replace(f, value=report_text.localised(f.value, zone)) for f in fields
        ],
        deadlines=[
            report_text.localised(msgspec.to_builtins(o, builtin_types=_KEPT), zone)
            for o in models.obligations
            if pack is None or (o.pack_id == pack.id and (stage is None or o.stage == stage))
        ],
        corrected=status.corrected,
        language=reader.language,
        zone=zone,
        ledger=ledger,
    )


def _field(name: str, known: dict[str, Callable[[], Any]]) -> Field:
    value = known[name]() if name in known else None
    return Field(name, value, value is not None)
