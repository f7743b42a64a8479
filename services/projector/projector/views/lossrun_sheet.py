"""The loss run's workbook as its writer process makes it (``python -m
projector.views.lossrun_sheet``, started by :class:`projector.views.lossrun_xlsx.LossRunBook`):
the writer's calls and the file's compression take as long as building the rows, so on a
second core they run beside it, not after it.

It reads pickled messages on standard input, from its parent only: the file's path and
the header sheet's lines; lists of rows as cells
(:func:`projector.views.lossrun_cells.xlsx_cells`), each with the number formats of the
currencies first seen in it, ``None`` after the last; the totals rows with their number
formats. It writes the file, then reports on standard output:
``None``, or what went wrong (as soon as it does; it stops then). Standard input ending
early (the parent gone, or the run abandoned) stops it without writing the file.

Imports stay few (no database driver, no web framework, not even the currencies' table):
the process starts per run.
"""

from __future__ import annotations

import pickle
import signal
import sys
from collections.abc import Sequence
from typing import Any, BinaryIO

from projector.views.lossrun_columns import AMOUNTS, COLUMNS, TABLE, Kind
from projector.views.tabular import DATE, Layout, Writer, runs

SHEET, HEADER_SHEET = "Loss run", "Header"
_WIDE = {"claimant": 24, "carrier": 24, "coverage": 22, "loss_ids": 18, "location_code": 14}
WIDTHS = [max(len(name) + 2, _WIDE.get(name, 16 if name in AMOUNTS else 12)) for name in COLUMNS]
DAYS = [col for col, column in enumerate(TABLE) if column.kind is Kind.DAY]
CURRENCY = next(col for col, column in enumerate(TABLE) if column.kind is Kind.CURRENCY)


def layout(book: Writer, number_format: str) -> Layout:
    """A row's runs for a currency: amounts and the currency code beside them in the
    currency's ``number_format`` (text shows as it is in any), every other cell without
    one, so that days (day numbers) take their column's :data:`DATE`
    (:class:`LossRunSheets`) and a row is two runs, not four."""
    amount = book.number(number_format)
    shapes = {Kind.AMOUNT: amount, Kind.CURRENCY: amount}
    return runs([shapes.get(column.kind) for column in TABLE])


class LossRunSheets:
    """The ``Loss run`` sheet (column row frozen, days in :data:`DATE`) and the ``Header``
    sheet first, then rows as they come (:meth:`add`), then the filter over them, a blank
    row, the totals and the file (:meth:`finish`)."""

    def __init__(self, path: str, header: Sequence[tuple[str, Any]]) -> None:
        self.book = Writer(SHEET, path)
        self._layouts: dict[str, Layout] = {}
        self._formats: dict[str, str] = {}  # a currency's number format
        self.book.widths(WIDTHS)
        for col in DAYS:  # a cell written there without a format takes this one
            self.book.sheet.set_column_format(col, self.book.number(DATE))
        self.book.sheet.freeze_panes(1, 0)
        self.book.write(COLUMNS, bold=True)
        self.book.label_sheet(HEADER_SHEET, "Loss run", header)

    def add(self, rows: Sequence[list[Any]], formats: dict[str, str]) -> None:
        """Rows as cells, each in the runs made once per currency (:func:`layout`) from its
        number format (given with the first rows in it)."""
        self._formats.update(formats)
        write, layouts = self.book.write_runs, self._layouts
        for cells in rows:
            if (known := layouts.get(currency := cells[CURRENCY])) is None:
                known = layouts[currency] = layout(self.book, self._formats[currency])
            write(cells, known)

    def finish(self, totals: Sequence[tuple[list[Any], str]]) -> None:
        """The filter over the column row and the rows, the totals block, the file written."""
        last = self.book.row - 1  # the column row alone when there are no rows
        self.book.sheet.autofilter(0, 0, last, len(COLUMNS) - 1)
        self.book.write([])
        for cells, number_format in totals:
            self.book.write(cells, bold=True, number_format=number_format)
        self.book.book.close()


def serve(source: BinaryIO) -> None:
    """The messages of one run, read and written to the end (see the module's docstring)."""
    sheets = LossRunSheets(*pickle.load(source))
    while (rows := pickle.load(source)) is not None:
        sheets.add(*rows)
    sheets.finish(pickle.load(source))


def main() -> int:
    """One run; its outcome reported to the parent. An early end of input is the parent's
    choice (or its end): nothing to report then. A terminal's Ctrl-C is the parent's to
    act on (it stops this process), not this one's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        serve(sys.stdin.buffer)
    except EOFError:
        return 1
    except Exception as e:  # reported, so that the parent says why its run failed: by its
        # type alone, since a library's message may quote the cell, a claimant's name
        outcome: str | None = type(e).__name__
    else:
        outcome = None
    pickle.dump(outcome, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    return 0 if outcome is None else 1


if __name__ == "__main__":
    sys.exit(main())
