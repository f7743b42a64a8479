"""A report as printable HTML (A4, headings in Chinese and English). Pure; every value is
escaped."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from projector.views.reporting import Report

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",Arial,sans-serif;margin:2em;color:#111}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #999;margin-top:1.4em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:.3em;
text-align:left;vertical-align:top}.missing{color:#a00;font-weight:bold}
@media print{body{margin:0}@page{size:A4;margin:15mm}}
"""
_HEADINGS = (
    ("site", "现场 Site and location"),
    ("time", "时间 Time"),
    ("type", "类型 Type"),
    ("impact", "影响 Impact: losses, casualties, scope"),
    ("measures", "已采取措施 Measures taken"),
    ("trend", "趋势及可能的进一步损失 Trend and potential further loss"),
    ("other", "其他 Other"),
)


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, datetime):
        return escape(value.isoformat())
    if isinstance(value, dict):
        return "<br>".join(f"{escape(str(k))}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "<br>".join(_text(v) for v in value)
    return escape(str(value))


def _table(rows: dict[str, Any]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{_text(v)}</td></tr>" for k, v in rows.items())
    return f"<table>{cells}</table>"


def _lines(items: list[dict[str, Any]]) -> str:
    if not items:
        return "<p>—</p>"
    cells = "".join(
        f"<tr><td>{_text(i['at'])}</td><td>{_text(i['summary'])}</td></tr>" for i in items
    )
    return f"<table>{cells}</table>"


def _section(report: Report, key: str) -> str:
    value = getattr(report, key)
    return _lines(value) if isinstance(value, list) else _table(value)


def _fields(report: Report) -> str:
    if not report.fields:
        return ""
    rows = "".join(
        f"<tr><th>{escape(f.name)}</th><td>{_text(f.value)}</td></tr>"
        if f.supplied
        else f'<tr><th>{escape(f.name)}</th><td class="missing">待补充 to be supplied</td></tr>'
        for f in report.fields
    )
    title = escape(report.stage_title or "Required fields")
    return f"<h2>{title}</h2><table>{rows}</table>"


def html(report: Report) -> bytes:
    policy = report.policy
    scope = (
        f"{policy['title']} ({policy['id']} {policy['version']}), {report.stage or 'all stages'}"
        if policy
        else "internal"
    )
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>{escape(report.incident_id)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>事件报告 Incident report {escape(report.incident_id)}</h1>",
        f"<p>{escape(scope)} · generated {escape(report.generated_at.isoformat())}</p>",
        *(f"<h2>{escape(title)}</h2>{_section(report, key)}" for key, title in _HEADINGS),
        _fields(report),
        "<h2>时限 Deadlines</h2>",
        _table({d["ref"]: f"{d['state']} · due {d['due_at']}" for d in report.deadlines}),
        "</body></html>",
    ]
    return "".join(parts).encode()
