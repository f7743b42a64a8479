"""Loss run XLSX benchmark (issue 23): ``LEDGER_BENCH_XLSX_ROWS`` claims (default 1,000,000)
from the book as the read model holds it to the finished spreadsheet: rows built
(:func:`projector.domain.loss_run.lines`), totalled and typed here, and sent in batches to
the writer process of :class:`projector.views.lossrun_xlsx.LossRunBook`
(:mod:`projector.views.lossrun_sheet`: rust_xlsxwriter, constant memory), which writes and
compresses them meanwhile; the file read back in chunks. Rows/s, this process's peak RSS and
the writer process's (both count: the two run together). Reading the books from PostgreSQL
is not in this figure (``tests.bench.api`` measures a run through the API).

Then, side by side on ``LEDGER_BENCH_XLSX_SIDE_ROWS`` rows (default 100,000), alternated
three times: the same cells written with xlsxwriter in constant memory, its fastest way
(``write_string``/``write_number`` per cell, dates as day numbers, formats looked up once,
``strings_to_formulas``/``strings_to_urls`` off), the library this replaced.
The last line printed is one JSON object.
"""

from __future__ import annotations

import os
import resource
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import xlsxwriter

from contracts import money
from projector.domain import loss_run
from projector.views import lossrun, lossrun_cells, lossrun_xlsx
from tests.bench.api import _book

ROWS = int(os.environ.get("LEDGER_BENCH_XLSX_ROWS", "1000000"))
SIDE_ROWS = int(os.environ.get("LEDGER_BENCH_XLSX_SIDE_ROWS", "100000"))
BATCH = 1000
DAYS = (lossrun.COLUMNS.index("date_of_loss"), lossrun.COLUMNS.index("date_reported"))
HEADER = lossrun.Header("Bench insured", "all", "all", date(2026, 12, 1))


def _batches(n: int) -> Iterator[list[loss_run.Line]]:
    now = datetime.now(UTC)
    for start in range(0, n, BATCH):
        yield [
            r for i in range(start, min(start + BATCH, n)) for r in loss_run.lines(_book(i), now)
        ]


def ours(n: int, writer_peak: list[float] | None = None) -> float:
    """Seconds to write ``n`` rows as the API does; the writer process's peak RSS (MB)
    appended to ``writer_peak`` when one is given."""
    started = time.perf_counter()
    stamp = lossrun_xlsx.Stamp(generated_at=datetime.now(UTC), ledger_position=n)
    book = lossrun_xlsx.LossRunBook(HEADER, stamp)
    watch = _Peak(book.writer.process.pid)
    for batch in _batches(n):
        for row in batch:
            book.totals.add(row)
        book.add(batch)
    size = sum(len(chunk) for chunk in book.finish())
    assert size > 0
    seconds = time.perf_counter() - started
    if writer_peak is not None:
        writer_peak.append(watch.mb)
    return seconds


class _Peak(threading.Thread):
    """A process's peak RSS (``VmHWM``: its own, since it started its program), read every
    20 ms until it ends (its rusage would count its parent's pages as it forked)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path, self.mb = f"/proc/{pid}/status", 0.0
        self.start()

    def run(self) -> None:
        while True:
            try:
                with open(self.path) as status:
                    hwm = next(x for x in status if x.startswith("VmHWM:"))
            except (OSError, StopIteration):  # gone (or a zombie, without memory)
                return
            self.mb = max(self.mb, int(hwm.split()[1]) / 1024)
            time.sleep(0.02)


def theirs(n: int) -> float:
    """Seconds to write the same cells with xlsxwriter, its fastest way."""
    started = time.perf_counter()
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
        wb = xlsxwriter.Workbook(file.name, options)
        sheet, day, amounts = (
            wb.add_worksheet("Loss run"),
            wb.add_format({"num_format": "yyyy-mm-dd"}),
            {},
        )
        text, number = sheet.write_string, sheet.write_number
        row = 1
        for batch in _batches(n):
            for line in batch:
                cur = line.currency
                if cur not in amounts:
                    amounts[cur] = wb.add_format({"num_format": money.number_format(cur)})
                for col, value in enumerate(lossrun_cells.xlsx_cells(line)):
                    shown = day if col in DAYS else amounts[cur]
                    _cell(value, row, col, text, number, shown)
                row += 1
        wb.close()
    return time.perf_counter() - started


def _cell(value: Any, row: int, col: int, text: Any, number: Any, shown: Any) -> None:
    kind = type(value)
    if kind is str:
        text(row, col, value)
    elif kind is int and col not in DAYS:
        number(row, col, value)
    elif value is not None:  # a day number or an amount, in its format
        number(row, col, value, shown)


def main() -> dict[str, object]:
    pairs = [(SIDE_ROWS / ours(SIDE_ROWS), SIDE_ROWS / theirs(SIDE_ROWS)) for _ in range(3)]
    writer: list[float] = []
    seconds = ours(ROWS, writer)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": ROWS,
        "seconds": round(seconds, 2),
        "rows_per_s": round(ROWS / seconds, 1),
        "peak_rss_mb": round(peak + writer[0], 1),  # both processes' peaks, as if together
        "main_peak_rss_mb": round(peak, 1),
        "writer_peak_rss_mb": round(writer[0], 1),
        "side_by_side_rows": SIDE_ROWS,
        "rust_xlsxwriter_rows_per_s": [round(a, 1) for a, _ in pairs],
        "xlsxwriter_rows_per_s": [round(b, 1) for _, b in pairs],
        "load_average": round(os.getloadavg()[0], 2),
        "targets": {"rows_per_s": 50000, "peak_rss_mb": 250},
    }


if __name__ == "__main__":
    print(msgspec.json.encode(main()).decode())
