"""The loss run as a spreadsheet, streamed in constant memory (the writer writes each row
as it comes and cannot go back, so everything above a row is written before it), by a
writer process of its own (:mod:`projector.views.lossrun_sheet`) while this one reads and
builds the rows.

Two sheets: ``Loss run`` (active) holds :data:`projector.views.lossrun.COLUMNS` as its
first row, frozen and filtered over the rows, dates typed as dates, amounts typed as
numbers (the doubles nearest their exact decimals) in their currency's format, then a
blank row and the totals block (:class:`projector.views.lossrun_cells.Totals`: per
currency, then per currency, carrier and policy). ``Header`` names the run: insured,
carrier, policy, valuation date, when it was generated, the ledger position read and the
latest signed checkpoint, when there is one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import msgspec

from contracts import money
from projector.domain.loss_run import Line
from projector.views import lossrun_cells
from projector.views.lossrun import Header
from projector.views.scratch import Scratch, discarded_on_error
from projector.views.tabular import sheet_time
from projector.views.writer_process import WriterProcess

WRITER = "projector.views.lossrun_sheet"


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


class LossRunBook:
    """The loss run's workbook: its writer process started with the header sheet and the
    column row, then rows as they stream past (:meth:`add`), then the totals and the bytes
    (:meth:`finish`). :attr:`totals` must see every row added (the caller keeps them while
    it reads). The file lives in a private directory (:class:`Scratch`), removed as its
    reading starts or when the book is discarded; the process is stopped and reaped on
    :meth:`discard` (``with LossRunBook(...)`` discards on leaving, however the block
    ends), and the file it wrote goes with it."""

    def __init__(self, header: Header, stamp: Stamp) -> None:
        self.scratch = Scratch("book.xlsx")
        self.totals = lossrun_cells.Totals()
        self._currencies: set[str] = set()  # those whose number format the writer has
        with discarded_on_error(self.scratch.discard):  # no writer yet to stop
            self.writer = WriterProcess(WRITER)
        with discarded_on_error(self.discard):
            self.writer.send((self.scratch.path, header_lines(header, stamp)))

    def __enter__(self) -> LossRunBook:
        return self

    def __exit__(self, *_: object) -> None:
        self.discard()

    def add(self, rows: Sequence[Line]) -> None:
        """Rows as cells (:func:`lossrun_cells.xlsx_cells`) to the writer, in one message
        with the number formats of currencies new to it: returns at once unless the writer
        is a few messages behind (then it waits). Raises
        :class:`projector.views.writer_process.WriterFailed` when the writer has stopped."""
        cells, new = lossrun_cells.xlsx_cells, {row.currency for row in rows} - self._currencies
        self._currencies |= new
        formats = {currency: money.number_format(currency) for currency in new}
        with discarded_on_error(self.discard):
            self.writer.send(([cells(row) for row in rows], formats))

    def finish(self) -> Iterator[bytes]:
        """The totals to the writer, then the file, written when first read from or on
        :meth:`close`."""
        totals = [(cells, money.number_format(cur)) for cells, cur in self.totals.xlsx_cells()]
        with discarded_on_error(self.discard):
            self.writer.send(None)  # the last row
            self.writer.send(totals)
        return self.scratch.chunks(self.close)

    def close(self) -> None:
        """The file written, after :meth:`finish`: the writer's rows and compression awaited
        (seconds for a long run, without the GIL, so a server may wait off its event loop).
        Once; never after :meth:`discard`."""
        self.scratch.fill(self.writer.finish)

    def discard(self) -> None:
        """The writer stopped and the file removed, now or, while :meth:`close` waits for the
        writer, as soon as it returns. Safe from any thread, any number of times."""
        self.writer.stop()
        self.scratch.discard()
