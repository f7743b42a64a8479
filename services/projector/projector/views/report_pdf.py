"""A report as a PDF document (A4), from its outline (``report_outline``: the same words as
the printed HTML), with its font embedded (``report_font``), through fpdf2. Pure but for
the font files fpdf2 reads, written in a directory of their own for the document's life."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import cast

import msgspec
from fpdf import FPDF, FontFace
from fpdf.enums import MethodReturnValue, TableBordersLayout, VAlign, WrapMode
from fpdf.table import Table

from projector.views import report_font
from projector.views.report_outline import NONE, Outline, Row, Section, outline
from projector.views.reporting import Report

_SIZE = 9.5  # the body's size, in points
_LABEL = FontFace(emphasis="BOLD")
_STYLES = {
    "": None,
    "code": FontFace(size_pt=8),
    "missing": FontFace(emphasis="BOLD", color=(170, 0, 0)),
}
_GREY = (120, 120, 120)
_COLUMNS, _PADDING = (36, 64), 1  # the label's and the value's widths (relative); mm
_ROW_LINES = 40  # a table row's lines at the most: fpdf2 needs a row to fit on a page
_LINE_CHARS = 20  # a value's line holds 33 Chinese characters: 20 leaves room for wider


class _Sheet(FPDF):
    """An A4 page whose foot names the document and the page: ``title · 2/3``."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.title = title

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(report_font.FAMILY, "", 7.5)
        self.set_text_color(*_GREY)
        self.cell(0, 4, f"{self.title} · {self.page_no()}/{{nb}}", align="R")


def _text(page: Outline) -> str:
    """Every character the document prints: the font is cut down to them."""
    sections = [*page.sections, *([page.ledger] if page.ledger else [])]
    cells = (f"{r.label}{r.value}" for s in sections for r in s.rows)
    headings = "".join(s.heading for s in sections)
    return f"{page.title}{page.scope}{NONE}{headings}{''.join(cells)} ·/0123456789"


def _sheet(page: Outline, faces: list[report_font.Face]) -> FPDF:
    pdf = _Sheet(page.title)
    pdf.set_margins(15, 15)
    pdf.set_draw_color(190)
    pdf.set_line_width(0.2)
    pdf.set_auto_page_break(True, margin=15)
    for face in faces:
        pdf.add_font(face.family, face.style, face.path)
    fallbacks = sorted({f.family for f in faces} - {report_font.FAMILY})
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks)
    pdf.set_title(page.title)
    pdf.set_lang(page.language or "zh")
    pdf.set_creator("Incident Ledger")
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: float) -> None:
    pdf.set_font(report_font.FAMILY, "B", size)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(report_font.FAMILY, "", _SIZE)


def _pieces(pdf: FPDF, row: Row) -> list[str]:
    """A value cut into pieces of at most :data:`_ROW_LINES` lines each, as its column wraps
    it (measured a little narrower than it is): fpdf2 cannot break a table row across
    pages, so a long note (4,000 characters of Chinese) fills rows that fit on a page.
    Measured only when it could be that long: a line holds :data:`_LINE_CHARS` at least."""
    if row.value.count("\n") + 1 + len(row.value) // _LINE_CHARS <= _ROW_LINES:
        return [row.value]
    size = (_STYLES[row.style] or _LABEL).size_pt or _SIZE
    pdf.set_font_size(size)
    width = pdf.epw * _COLUMNS[1] / sum(_COLUMNS) - 2 * _PADDING - 1
    measured = pdf.multi_cell(width, size * 0.5, row.value, dry_run=True,
                              output=MethodReturnValue.LINES)  # fmt: skip
    lines = cast(list[str], measured)  # the lines, as ``output`` asks
    pdf.set_font_size(_SIZE)
    return ["\n".join(lines[i : i + _ROW_LINES]) for i in range(0, len(lines), _ROW_LINES)]


def _row(pdf: FPDF, table: Table, row: Row, timed: bool) -> None:
    """A row; a long value over as many rows as it needs, its label on the first."""
    for i, piece in enumerate(_pieces(pdf, row) or [""]):
        cells = table.row()
        cells.cell(row.label if i == 0 else "", style=None if timed else _LABEL)
        cells.cell(piece, style=_STYLES[row.style])


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(3)
    _heading(pdf, section.heading, 12)
    rows = section.rows or (Row(NONE, ""),)
    with pdf.table(
        col_widths=_COLUMNS, first_row_as_headings=False, text_align="LEFT",
        v_align=VAlign.T, wrapmode=WrapMode.WORD, line_height=_SIZE * 0.5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES, padding=_PADDING,
    ) as table:  # fmt: skip
        for row in rows:
            _row(pdf, table, row, section.timed)


def _draw(pdf: FPDF, page: Outline) -> None:
    _heading(pdf, page.title, 16)
    pdf.set_text_color(*_GREY)
    pdf.multi_cell(0, _SIZE * 0.5, page.scope, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    for section in (*page.sections, *([page.ledger] if page.ledger else [])):
        _section(pdf, section)


def _translated(page: Outline, table: dict[int, str]) -> Outline:
    """The outline with every text run through ``str.translate(table)``."""

    def section(s: Section) -> Section:
        rows = tuple(Row(r.label.translate(table), r.value.translate(table), r.style)
                     for r in s.rows)  # fmt: skip
        return msgspec.structs.replace(s, heading=s.heading.translate(table), rows=rows)

    return msgspec.structs.replace(
        page, title=page.title.translate(table), scope=page.scope.translate(table),
        sections=tuple(map(section, page.sections)),
        ledger=section(page.ledger) if page.ledger else None,
    )  # fmt: skip


def document(page: Outline) -> bytes:
    with tempfile.TemporaryDirectory(prefix="report-font-") as home:
        fonts = report_font.fonts(_text(page), Path(home))
        if fonts.stand_ins:  # what no face holds: report_font.stand_in
            page = _translated(page, fonts.stand_ins)
        pdf = _sheet(page, fonts.faces)
        _draw(pdf, page)
        return bytes(pdf.output())


def pdf(report: Report) -> bytes:
    return document(outline(report))
