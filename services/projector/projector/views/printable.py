"""A report as a printable HTML document (A4). Pure; every value is escaped.

Labels, headings and enumerations come from the catalogue (``catalogue``) in the report's
language, or in both (Chinese first) when none was chosen; times are in the site's zone
(already so in the report), amounts per locale; the footer ties the document to the
ledger (``ledger_tie``)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from projector.views.catalogue import Language, known, label, words
from projector.views.ledger_tie import LedgerTie
from projector.views.report_text import enum
from projector.views.reporting import Report

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",Arial,sans-serif;margin:2em;color:#111}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #999;margin-top:1.4em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:.3em;
text-align:left;vertical-align:top}.missing{color:#a00;font-weight:bold}
footer{margin-top:2em;font-size:.85em;border-top:1px solid #999}code{word-break:break-all}
@media print{body{margin:0}@page{size:A4;margin:15mm}}
"""
_SECTIONS = ("site", "time", "type", "impact", "measures", "trend", "other")
# Machine-exact values the document shows in the reader's form instead (``*_local``).
_HIDDEN = frozenset({"losses", "amount"})
_SHOWN_AS = {"losses_local": "losses", "amount_local": "amount"}


class _Page:
    def __init__(self, language: Language | None) -> None:
        self.language = language

    def label(self, key: str) -> str:
        """A field's label; a casualty's severity (the casualties' keys) in words."""
        if not known("field", key) and known("casualty", key):
            return escape(words("casualty", key, self.language))
        return escape(label(key, self.language))

    def heading(self, key: str) -> str:
        return escape(words("heading", key, self.language))

    def text(self, value: Any, key: str = "") -> str:
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if isinstance(value, datetime):
            return escape(value.isoformat())
        if isinstance(value, dict):
            return "<br>".join(self._pair(k, v) for k, v in value.items() if k not in _HIDDEN)
        if isinstance(value, list):
            return "<br>".join(self.text(v, key) for v in value)
        return escape(str(enum(key, value, self.language)))

    def _pair(self, key: str, value: Any) -> str:
        shown = _SHOWN_AS.get(key, key)
        return f"{self.label(shown)}: {self.text(value, key)}"

    def table(self, rows: dict[str, Any]) -> str:
        cells = "".join(
            f"<tr><th>{self.label(_SHOWN_AS.get(k, k))}</th><td>{self.text(v, k)}</td></tr>"
            for k, v in rows.items()
            if k not in _HIDDEN
        )
        return f"<table>{cells}</table>"

    def lines(self, items: list[dict[str, Any]]) -> str:
        if not items:
            return "<p>—</p>"
        cells = "".join(
            f"<tr><td>{self.text(i['at'])}</td><td>{self.text(i['summary'])}</td></tr>"
            for i in items
        )
        return f"<table>{cells}</table>"


def _section(page: _Page, report: Report, key: str) -> str:
    value = getattr(report, key)
    ended = key == "trend" and "potential_further_loss" not in value
    title = page.heading(key if ended or key != "trend" else "trend_further")
    body = page.lines(value) if isinstance(value, list) else page.table(value)
    return f"<h2>{title}</h2>{body}"


def _fields(page: _Page, report: Report) -> str:
    if not report.fields:
        return ""
    missing = f'<td class="missing">{page.label("to_be_supplied")}</td>'
    rows = "".join(
        f"<tr><th>{page.label(f.name)}</th>"
        + (f"<td>{page.text(f.value, f.name)}</td>" if f.supplied else missing)
        + "</tr>"
        for f in report.fields
    )
    title = escape(report.stage_title) if report.stage_title else page.heading("fields")
    return f"<h2>{title}</h2><table>{rows}</table>"


def _deadlines(page: _Page, report: Report) -> str:
    due = page.label("due")
    rows = {d["ref"]: f"{d['state']} · {due} {d['due_at']}" for d in report.deadlines}
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows.items())
    return f"<h2>{page.heading('deadlines')}</h2><table>{cells or '<tr><td>—</td></tr>'}</table>"


def _footer(page: _Page, tie: LedgerTie | None) -> str:
    if tie is None:
        return ""
    point = tie.checkpoint
    rows = [
        ("incident_id", escape(tie.incident_id)),
        ("position", str(tie.position)),
        ("hash", f"<code>{escape(tie.hash)}</code>"),
        ("checkpoint_size", str(point.size) if point else page.label("no_checkpoint")),
        ("checkpoint_root", f"<code>{escape(point.root)}</code>" if point else "—"),
        ("checkpoint_signed_at", escape(point.signed_at.isoformat()) if point else "—"),
        ("verify", f"<code>{escape(tie.verify)}</code>"),
    ]
    cells = "".join(f"<tr><th>{page.label(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<footer><h2>{page.heading('ledger')}</h2><table>{cells}</table></footer>"


def _scope(page: _Page, report: Report) -> str:
    policy = report.policy
    if policy is None:
        return page.label("internal")
    stage = escape(report.stage) if report.stage else page.label("all_stages")
    title = f"{policy['title']} ({policy['id']} {policy['version']})"
    return f"{page.label('policy')}: {escape(title)}, {stage}"


def html(report: Report) -> bytes:
    page = _Page(report.language)
    parts = [
        f"<!doctype html><html lang='{report.language or 'zh'}'><head><meta charset='utf-8'>",
        f"<title>{escape(report.incident_id)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{page.heading('title')} {escape(report.incident_id)}</h1>",
        f"<p>{_scope(page, report)} · {page.label('generated_at')} "
        f"{escape(report.generated_at.isoformat())} · {page.label('zone')} "
        f"{escape(report.zone)}</p>",
        *(_section(page, report, key) for key in _SECTIONS),
        _fields(page, report),
        _deadlines(page, report),
        _footer(page, report.ledger),
        "</body></html>",
    ]
    return "".join(parts).encode()
