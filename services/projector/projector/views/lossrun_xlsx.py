"""The loss run as a spreadsheet, streamed in constant memory (the writer writes each row
as it comes and cannot go back, so everything above a row is written before it).

Two sheets: ``Loss run`` (active) holds :data:`projector.views.lossrun.COLUMNS` as its
first row, frozen and filtered over the rows, dates typed as dates, amounts typed as
numbers (the doubles nearest their exact decimals) in their currency's format, then a
blank row and the totals block (:class:`projector.views.lossrun_cells.Totals`: per
currency, then per currency, carrier and policy). ``Header`` names the run: insured,
carrier, policy, valuation date, when it was generated, the ledger position read and the
latest signed checkpoint, when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import msgspec

from contracts import money
from projector.domain.loss_run import Line
from projector.views import lossrun_cells
from projector.views.lossrun import AMOUNTS, COLUMNS, Header
from projector.views.lossrun_columns import TABLE, Kind
from projector.views.tabular import DATE, Layout, Workbook, runs, sheet_time

SHEET, HEADER_SHEET = "Loss run", "Header"
_WIDE = {"claimant": 24, "carrier": 24, "coverage": 22, "loss_ids": 18, "location_code": 14}
WIDTHS = [max(len(name) + 2, _WIDE.get(name, 16 if name in AMOUNTS else 12)) for name in COLUMNS]


class Stamp(msgspec.Struct, frozen=True, kw_only=True):
    """Where the run stands in the ledger when it was read."""

    generated_at: datetime
    ledger_position: int
    checkpoint_size: int | None = None  # the latest signed checkpoint's, if any
    checkpoint_root: str | None = None  # its root hash, hex


def header_lines(header: Header, stamp: Stamp) -> list[tuple[str, Any]]:
    """The ``Header`` sheet's label and value pairs, in order."""
    lines: list[tuple[str, Any]] = [
        ("Insured", header.insured),
        ("Carrier", header.carrier),
        ("Policy", header.policy),
        ("Valuation date", header.valuation_date),
    ]
    return lines + stamp_lines(stamp)


def stamp_lines(stamp: Stamp) -> list[tuple[str, Any]]:
    """When a spreadsheet was made and where the ledger stood: its header sheet's last lines
    (the loss run's and the triangle's)."""
    lines: list[tuple[str, Any]] = [
        ("Generated at (UTC)", sheet_time(stamp.generated_at)),
        ("Ledger position read", stamp.ledger_position),
    ]
    if stamp.checkpoint_size is not None:
        lines += [("Checkpoint tree size", stamp.checkpoint_size),
                  ("Checkpoint root hash", stamp.checkpoint_root or "")]  # fmt: skip
    return lines


DAYS = [col for col, column in enumerate(TABLE) if column.kind is Kind.DAY]


def layout(book: Workbook, currency: str) -> Layout:
    """A row's runs for a currency: amounts and the currency code beside them in the
    currency's number format (text shows as it is in any), every other cell without one,
    so that days (day numbers) take their column's :data:`DATE` (:class:`LossRunBook`)
    and a row is two runs, not four."""
    amount = book.number(money.number_format(currency))
    shapes = {Kind.AMOUNT: amount, Kind.CURRENCY: amount}
    return runs([shapes.get(column.kind) for column in TABLE])


class LossRunBook:
    """The loss run's workbook: the header sheet and the column row first, then rows as
    they stream past (:meth:`add`), then the totals and the bytes (:meth:`finish`).
    :attr:`totals` must see every row added (the caller keeps them while it reads)."""

    def __init__(self, header: Header, stamp: Stamp) -> None:
        self.book = Workbook(SHEET)
        self.totals = lossrun_cells.Totals()
        self._layouts: dict[str, Layout] = {}
        with self.book.discarded_on_error():
            self.book.widths(WIDTHS)
            for col in DAYS:  # a cell written there without a format takes this one
                self.book.sheet.set_column_format(col, self.book.number(DATE))
            self.book.sheet.freeze_panes(1, 0)
            self.book.write(COLUMNS, bold=True)
            self.book.label_sheet(HEADER_SHEET, "Loss run", header_lines(header, stamp))

    def __enter__(self) -> LossRunBook:
        return self

    def __exit__(self, *_: object) -> None:
        self.discard()

    def add(self, rows: Iterable[Line]) -> None:
        """Rows, each in a few runs of neighbouring cells sharing a format, made once per
        currency from the columns' kinds (:func:`layout`)."""
        write, cells, layouts = self.book.write_runs, lossrun_cells.xlsx_cells, self._layouts
        for row in rows:
            if (known := layouts.get(row.currency)) is None:
                known = layouts[row.currency] = layout(self.book, row.currency)
            write(cells(row), known)

    def finish(self) -> Iterator[bytes]:
        """The filter over the column row and the rows, the totals block, then the file,
        written when first read from or on :meth:`close`."""
        last = self.book.row - 1  # the column row alone when there are no rows
        self.book.sheet.autofilter(0, 0, last, len(COLUMNS) - 1)
        self.book.write([])
        for cells, currency in self.totals.xlsx_cells():
            self.book.write(cells, bold=True, number_format=money.number_format(currency))
        return self.book.chunks()

    def close(self) -> None:
        """The file written, after :meth:`finish` (see :meth:`Workbook.close`)."""
        self.book.close()

    def discard(self) -> None:
        """The file removed, now or as soon as :meth:`close` has written it (see
        :meth:`Workbook.discard`)."""
        self.book.discard()
