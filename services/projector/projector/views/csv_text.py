"""CSV output: UTF-8 with a byte-order mark, so that Excel shows Chinese text correctly,
with LF line ends (as PostgreSQL's COPY writes them), and no text cell a spreadsheet would
take for a formula (:mod:`projector.views.formulas`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from projector.views.formulas import inert_rows

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
    writer = CsvWriter()
    yield BOM + writer.encode([columns])
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= per_chunk:
            yield writer.encode(batch)
            batch.clear()
    if batch:
        yield writer.encode(batch)


class CsvWriter:
    """Rows to CSV bytes, a batch at a time (for rows that arrive asynchronously); text
    that a spreadsheet would read as a formula made inert (:mod:`projector.views.formulas`)."""

    def __init__(self) -> None:
        self._line = _Line()
        self._plain = csv.writer(self._line, lineterminator="\n").writerow
        self._quoted = csv.writer(self._line, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow

    def encode(self, rows: Iterable[Sequence[Any]]) -> bytes:
        plain, quoted = self._plain, self._quoted
        for row, carriage in inert_rows(rows):
            (quoted if carriage else plain)(row)
        return self._line.take()


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return b"".join(csv_chunks(columns, rows))


def read_back(data: bytes) -> list[list[str]]:
    """Rows of a CSV produced here (BOM removed); for tests and tools."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
