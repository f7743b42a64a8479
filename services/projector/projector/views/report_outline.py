"""A report as a document's outline: its title, its scope line, and its sections of rows
(a label and a value in words), the same for every medium (``printable`` as HTML,
``report_pdf`` as PDF). Pure.

Labels, headings and enumerations come from the catalogue (``catalogue``) in the report's
language, or in both (Chinese first) when none was chosen; times are in the site's zone
(already so in the report), amounts per locale; the last section ties the document to the
ledger (``ledger_tie``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from projector.views.catalogue import Language, known, label, words
from projector.views.ledger_tie import LedgerTie
from projector.views.report_text import enum, local
from projector.views.reporting import Report

SECTIONS = ("site", "time", "type", "impact", "measures", "trend", "other")
# Machine-exact values the document shows in the reader's form instead (``*_local``).
_HIDDEN = frozenset({"losses", "amount"})
_SHOWN_AS = {"losses_local": "losses", "amount_local": "amount"}
NONE = "—"

Style = Literal["", "code", "missing"]


class Row(msgspec.Struct, frozen=True):
    label: str
    value: str  # lines separated by "\n"
    style: Style = ""


class Section(msgspec.Struct, frozen=True, kw_only=True):
    key: str  # the heading's key, or "fields" / "deadlines" / "ledger"
    heading: str
    rows: tuple[Row, ...]
    timed: bool = False  # rows are (time, what happened) rather than (label, value)


class Outline(msgspec.Struct, frozen=True, kw_only=True):
    language: Language | None
    title: str
    scope: str  # the policy and stage, when generated, the zone
    sections: tuple[Section, ...]
    ledger: Section | None


class Words:
    """The report's words in its language (both, Chinese first, when none)."""

    def __init__(self, language: Language | None) -> None:
        self.language = language

    def label(self, key: str) -> str:
        """A field's label; a casualty's severity (the casualties' keys) in words."""
        if not known("field", key) and known("casualty", key):
            return words("casualty", key, self.language)
        return label(key, self.language)

    def heading(self, key: str) -> str:
        return words("heading", key, self.language)

    def text(self, value: Any, key: str = "") -> str:
        if value is None or value == "" or value == [] or value == {}:
            return NONE
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return "\n".join(self._pair(k, v) for k, v in value.items() if k not in _HIDDEN)
        if isinstance(value, list):
            return "\n".join(self.text(v, key) for v in value)
        return str(enum(key, value, self.language))

    def _pair(self, key: str, value: Any) -> str:
        return f"{self.label(_SHOWN_AS.get(key, key))}: {self.text(value, key)}"

    def rows(self, values: dict[str, Any]) -> tuple[Row, ...]:
        return tuple(
            Row(self.label(_SHOWN_AS.get(k, k)), self.text(v, k))
            for k, v in values.items()
            if k not in _HIDDEN
        )


def _section(page: Words, report: Report, key: str) -> Section:
    value = getattr(report, key)
    ended = key == "trend" and "potential_further_loss" not in value
    heading = page.heading(key if ended or key != "trend" else "trend_further")
    if isinstance(value, list):
        rows = tuple(Row(page.text(i["at"]), page.text(i["summary"])) for i in value)
        return Section(key=key, heading=heading, rows=rows, timed=True)
    return Section(key=key, heading=heading, rows=page.rows(value))


def _fields(page: Words, report: Report) -> tuple[Section, ...]:
    if not report.fields:
        return ()
    rows = tuple(
        Row(page.label(f.name), page.text(f.value, f.name))
        if f.supplied
        else Row(page.label(f.name), page.label("to_be_supplied"), "missing")
        for f in report.fields
    )
    heading = report.stage_title or page.heading("fields")
    return (Section(key="fields", heading=heading, rows=rows),)


def _deadline(page: Words, deadline: dict[str, Any]) -> Row:
    """A deadline: its title, its state in words, when it is (was) due in the site's zone."""
    state = words("state", deadline["state"], page.language)
    due = f"{state} · {page.label('due')} {page.text(deadline['due_at'])}"
    return Row(deadline["ref"], f"{deadline['title']}\n{due}")


def _deadlines(page: Words, report: Report) -> Section:
    rows = tuple(_deadline(page, d) for d in report.deadlines)
    return Section(key="deadlines", heading=page.heading("deadlines"), rows=rows)


def _ledger(page: Words, tie: LedgerTie | None, zone: str) -> Section | None:
    if tie is None:
        return None
    point = tie.checkpoint
    signed = local(point.signed_at, zone).isoformat() if point else NONE
    rows = (
        Row(page.label("incident_id"), tie.incident_id),
        Row(page.label("position"), str(tie.position)),
        Row(page.label("hash"), tie.hash, "code"),
        Row(
            page.label("checkpoint_size"), str(point.size) if point else page.label("no_checkpoint")
        ),
        Row(page.label("checkpoint_root"), point.root if point else NONE, "code" if point else ""),
        Row(page.label("checkpoint_signed_at"), signed),
        Row(page.label("verify"), tie.verify, "code"),
    )
    return Section(key="ledger", heading=page.heading("ledger"), rows=rows)


def _scope(page: Words, report: Report) -> str:
    policy = report.policy
    if policy is None:
        scope = page.label("internal")
    else:
        stage = report.stage or page.label("all_stages")
        named = f"{policy['title']} ({policy['id']} {policy['version']})"
        scope = f"{page.label('policy')}: {named}, {stage}"
    generated = f"{page.label('generated_at')} {report.generated_at.isoformat()}"
    return f"{scope} · {generated} · {page.label('zone')} {report.zone}"


def outline(report: Report) -> Outline:
    page = Words(report.language)
    return Outline(
        language=report.language,
        title=f"{page.heading('title')} {report.incident_id}",
        scope=_scope(page, report),
        sections=(
            *(_section(page, report, key) for key in SECTIONS),
            *_fields(page, report),
            _deadlines(page, report),
        ),
        ledger=_ledger(page, report.ledger, report.zone),
    )
