"""CSV and XLSX output. CSV is UTF-8 with a byte-order mark, so that Excel shows Chinese
text correctly, with LF line ends (as PostgreSQL's COPY writes them); XLSX comes from
xlsxwriter in constant-memory mode."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

BOM = "\ufeff".encode()


class _Line:
    """A write target for ``csv.writer`` that hands back what was written."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> bytes:
        out, self.parts = "".join(self.parts), []
        return out.encode()


def csv_chunks(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], per_chunk: int = 1000
) -> Iterator[bytes]:
    """The CSV, BOM and header first, in chunks of ``per_chunk`` rows."""
    line = _Line()
    writer = csv.writer(line, lineterminator="\n")
    writer.writerow(columns)
    yield BOM + line.take()
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= per_chunk:
            writer.writerows(batch)
            batch.clear()
            yield line.take()
    writer.writerows(batch)
    if line.parts:
        yield line.take()


class CsvWriter:
    """Rows to CSV bytes, a batch at a time (for rows that arrive asynchronously)."""

    def __init__(self) -> None:
        self._line = _Line()
        self._writer = csv.writer(self._line, lineterminator="\n")

    def encode(self, rows: Iterable[Sequence[Any]]) -> bytes:
        self._writer.writerows(rows)
        return self._line.take()


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return b"".join(csv_chunks(columns, rows))


class Workbook:
    """One sheet written row by row (constant memory), to a temporary file read back in
    chunks and removed when the reading ends."""

    def __init__(self, sheet: str) -> None:
        fd, self.path = tempfile.mkstemp(suffix=".xlsx")
        os.close(fd)
        self.book = xlsxwriter.Workbook(self.path, {"constant_memory": True})
        self.sheet = self.book.add_worksheet(sheet)
        self.bold = self.book.add_format({"bold": True})
        self.formats: dict[tuple[str, bool], Any] = {}
        self.row = 0

    def write(
        self, values: Sequence[Any], *, bold: bool = False, number_format: str | None = None
    ) -> None:
        """One row; dates typed as dates, and numbers (exact decimals included) in
        ``number_format`` when one is given."""
        for col, value in enumerate(values):
            self.sheet.write(self.row, col, value, self._format(value, bold, number_format))
        self.row += 1

    def format_of(self, value: Any) -> Any:
        """The cell format a value is written in outside a number format's columns."""
        return self._format(value, False, None)

    def _format(self, value: Any, bold: bool, number_format: str | None) -> Any:
        if isinstance(value, datetime):
            spec = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, date):
            spec = "yyyy-mm-dd"
        elif isinstance(value, Decimal) and number_format is not None:
            spec = number_format
        else:
            return self.bold if bold else None
        if (spec, bold) not in self.formats:
            self.formats[spec, bold] = self.book.add_format({"num_format": spec, "bold": bold})
        return self.formats[spec, bold]

    def chunks(self, size: int = 1 << 16) -> Iterator[bytes]:
        self.book.close()
        try:
            with open(self.path, "rb") as file:
                while chunk := file.read(size):
                    yield chunk
        finally:
            os.unlink(self.path)


def read_back(data: bytes) -> list[list[str]]:
    """Rows of a CSV produced here (BOM removed); for tests and tools."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
