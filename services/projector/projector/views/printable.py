"""A report as a printable HTML document (A4), from its outline (``report_outline``: the
same words as the PDF). Pure; every value is escaped."""

from __future__ import annotations

from html import escape

from projector.views.report_outline import NONE, Outline, Row, Section, outline
from projector.views.reporting import Report

_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",Arial,sans-serif;margin:2em;color:#111}
h1{font-size:1.4em}h2{font-size:1.1em;border-bottom:1px solid #999;margin-top:1.4em}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:.3em;
text-align:left;vertical-align:top}.missing{color:#a00;font-weight:bold}
footer{margin-top:2em;font-size:.85em;border-top:1px solid #999}code{word-break:break-all}
@media print{body{margin:0}@page{size:A4;margin:15mm}}
"""


def _value(row: Row) -> str:
    text = "<br>".join(escape(line) for line in row.value.split("\n"))
    if row.style == "code":
        return f"<td><code>{text}</code></td>"
    if row.style == "missing":
        return f'<td class="missing">{text}</td>'
    return f"<td>{text}</td>"


def _row(row: Row, timed: bool) -> str:
    first = f"<td>{escape(row.label)}</td>" if timed else f"<th>{escape(row.label)}</th>"
    return f"<tr>{first}{_value(row)}</tr>"


def _section(section: Section) -> str:
    rows = "".join(_row(r, section.timed) for r in section.rows)
    empty = "<p>—</p>" if section.timed else f"<table><tr><td>{NONE}</td></tr></table>"
    body = f"<table>{rows}</table>" if rows else empty
    return f"<h2>{escape(section.heading)}</h2>{body}"


def _footer(ledger: Section | None) -> str:
    return "" if ledger is None else f"<footer>{_section(ledger)}</footer>"


def document(page: Outline) -> bytes:
    parts = [
        f"<!doctype html><html lang='{page.language or 'zh'}'><head><meta charset='utf-8'>",
        f"<title>{escape(page.title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{escape(page.title)}</h1>",
        f"<p>{escape(page.scope)}</p>",
        *(_section(s) for s in page.sections),
        _footer(page.ledger),
        "</body></html>",
    ]
    return "".join(parts).encode()


def html(report: Report) -> bytes:
    return document(outline(report))
