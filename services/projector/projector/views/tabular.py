"""XLSX output, from rust_xlsxwriter (``rvgsrust-xlsxwriter``) in constant-memory mode:
about four times as fast as xlsxwriter on a loss run (tests/bench/README.md). CSV output is
:mod:`projector.views.csv_text`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import rvgsrust_xlsxwriter as rx

from projector.views.scratch import Scratch, discarded_on_error

DATE, DATETIME = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
CELL_TEXT_LIMIT = 32_767  # characters a cell holds in Excel; rust_xlsxwriter refuses more


def fitted(value: Any) -> Any:
    """A cell's value as a cell can hold it: text longer than :data:`CELL_TEXT_LIMIT` is
    cut to it, its end a marker saying how long the text was; any other value as it is."""
    if not isinstance(value, str) or len(value) <= CELL_TEXT_LIMIT:
        return value
    marker = f" …[cut: {len(value):,} characters]"
    return value[: CELL_TEXT_LIMIT - len(marker)] + marker


_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of the 1900 date system, as Excel counts


def day_number(at: date) -> int:
    """A day as a spreadsheet stores it (days since 1899-12-30; right from 1900-03-01 on):
    a cell holding it in :data:`DATE` format is a date. A ``datetime`` counts by its own
    day, whatever its zone. Cheaper for the writer than a ``date`` in a long run."""
    return at.toordinal() - _EPOCH


def sheet_time(at: datetime) -> datetime:
    """An instant as a spreadsheet holds it: UTC without a zone, to the second (as
    :data:`DATETIME` shows it; the writer refuses 23:59:59.999999)."""
    return at.astimezone(UTC).replace(tzinfo=None, microsecond=0)


Layout = list[tuple[int, int, "rx.Format | None"]]
"""A row as runs of neighbouring cells sharing a format: (first, past the last, format)."""


def runs(shapes: Sequence[rx.Format | None]) -> Layout:
    """The runs of equal formats in a row's cell formats."""
    out: Layout = []
    start = 0
    for col in range(1, len(shapes) + 1):
        if col == len(shapes) or shapes[col] is not shapes[start]:
            out.append((start, col, shapes[start]))
            start = col
    return out


class Writer:
    """Sheets written row by row in constant memory (rust_xlsxwriter, through its Python
    bindings) to ``path`` when the caller closes :attr:`book` (:class:`Workbook` manages
    the file; a loss run's writer process uses this alone, its parent the file).

    A row goes to the writer as runs of neighbouring cells that share a format (one call a
    run, not one a cell): the writer's per-call cost, not ours, bounds a long run's speed."""

    def __init__(self, sheet: str, path: str) -> None:
        self.book = rx.Workbook(path)
        self.sheet = self.book.add_worksheet(sheet, constant_memory=True)
        self.bold = self.book.add_format().set_bold()
        self.formats: dict[tuple[str, bool], rx.Format] = {}
        self.row = 0

    def add_sheet(self, name: str, widths: Sequence[float] = ()) -> rx.Worksheet:
        """Another sheet, after the first (written cell by cell by the caller)."""
        sheet = self.book.add_worksheet(name)
        for col, width in enumerate(widths):
            sheet.set_column_width(col, width)
        return sheet

    def label_sheet(self, name: str, title: str, lines: Sequence[tuple[str, Any]]) -> None:
        """A sheet of ``title`` (bold), then a label (bold) and its typed value a line."""
        sheet = self.add_sheet(name, (22, 66))
        sheet.write(0, 0, title, self.bold)
        for row, (label, value) in enumerate(lines, start=1):
            sheet.write(row, 0, label, self.bold)
            sheet.write(row, 1, fitted(value), self.format_of(value))

    def widths(self, widths: Sequence[float]) -> None:
        """The first sheet's column widths, in characters."""
        for col, width in enumerate(widths):
            self.sheet.set_column_width(col, width)

    def write(
        self, values: Sequence[Any], *, bold: bool = False, number_format: str | None = None
    ) -> None:
        """One row; dates typed as dates, and fractional numbers (floats, exact decimals) in
        ``number_format`` when one is given. Text is always text (never a formula)."""
        cells = list(values)  # the bindings take lists only
        self.write_runs(cells, runs([self._format(v, bold, number_format) for v in cells]))

    def write_runs(self, cells: list[Any], layout: Layout) -> None:
        """One row laid out ahead (:func:`runs`): for rows that all share one layout. Text
        too long for a cell is cut (:func:`fitted`) once the writer has refused it, so that
        the rows that fit, nearly all of them, are not looked at twice."""
        write_row, row = self.sheet.write_row, self.row
        for start, end, shape in layout:
            run = cells[start:end]
            try:
                write_row(row, start, run, shape)
            except ValueError:
                if (cut := [fitted(v) for v in run]) == run:
                    raise
                write_row(row, start, cut, shape)  # the same cells again, overwritten
        self.row += 1

    def format_of(self, value: Any) -> rx.Format | None:
        """The cell format a value is written in outside a number format's columns."""
        return self._format(value, False, None)

    def number(self, spec: str, bold: bool = False) -> rx.Format:
        """The format of numbers (or dates) shown as ``spec``, made once."""
        if (spec, bold) not in self.formats:
            made = self.book.add_format().set_num_format(spec)
            self.formats[spec, bold] = made.set_bold() if bold else made
        return self.formats[spec, bold]

    def _format(self, value: Any, bold: bool, number_format: str | None) -> rx.Format | None:
        kind = type(value)
        if kind is str or kind is int or value is None:  # most cells: no lookup
            return self.bold if bold else None
        if isinstance(value, datetime):
            return self.number(DATETIME, bold)
        if isinstance(value, date):
            return self.number(DATE, bold)
        if isinstance(value, Decimal | float) and number_format is not None:
            return self.number(number_format, bold)
        return self.bold if bold else None


class Workbook(Writer):
    """A :class:`Writer` to a file in a private directory (:class:`Scratch`), read back in
    chunks; the file is removed as its reading starts or when the book is discarded,
    whichever comes first (``with Workbook(...)`` discards it on leaving, however the block
    ends)."""

    def __init__(self, sheet: str) -> None:
        self.scratch = Scratch("book.xlsx")
        with discarded_on_error(self.discard):
            super().__init__(sheet, self.scratch.path)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *_: object) -> None:
        self.discard()

    def close(self) -> None:
        """The file written: the writer compresses the sheets then, seconds for a long one,
        without holding the GIL (so a server may do it off its event loop). Once; never
        after :meth:`discard` (the file is removed as soon as the writing ends then)."""
        self.scratch.fill(self.book.close)

    def discard(self) -> None:
        """The file removed, now or, while :meth:`close` writes it, as soon as it has; the
        book is not written after. Safe from any thread, any number of times."""
        self.scratch.discard()

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        """The file, closed first if it is not yet, in chunks (:meth:`Scratch.chunks`)."""
        return self.scratch.chunks(self.close, size)
