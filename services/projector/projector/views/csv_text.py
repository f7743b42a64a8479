"""CSV output: UTF-8 with a byte-order mark, so that Excel shows Chinese text correctly,
with LF line ends (as PostgreSQL's COPY writes them), and no text cell a spreadsheet would
take for a formula (:mod:`projector.views.formulas`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from projector.views.formulas import inert_rows, left_as_is

BOM = "\ufeff".encode()


class _Text:
    """A write target for ``csv.writer`` that hands back what was written, as UTF-8."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def take(self) -> bytes:
        out = self.buffer.getvalue().encode()
        self.buffer.seek(0)
        self.buffer.truncate()
        return out


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
    that a spreadsheet would read as a formula made inert (:mod:`projector.views.formulas`).
    A batch is written as it is in one call and kept if nothing in it needs that (nearly
    every batch), else written again a row at a time, the rows that need it changed."""

    def __init__(self) -> None:
        self._text = _Text()
        self._plain = csv.writer(self._text.buffer, lineterminator="\n")
        self._quoted = csv.writer(self._text.buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)

    def encode(self, rows: Iterable[Sequence[Any]]) -> bytes:
        rows = rows if isinstance(rows, list) else list(rows)
        self._plain.writerows(rows)
        if left_as_is(data := self._text.take()):
            return data
        plain, quoted = self._plain.writerow, self._quoted.writerow
        for row, carriage in inert_rows(rows):
            (quoted if carriage else plain)(row)
        return self._text.take()


class TextRowsWriter(CsvWriter):
    """:class:`CsvWriter` for rows of one width whose cells are all text (an absent value
    ``""``, which is what CSV writes for ``None``): a batch is joined at once, and kept when
    no cell needed quoting (the counts of delimiters and line ends tell: one fewer than the
    width a row, one a row, and no quote or carriage return), which is then exactly what
    ``csv`` writes; else written by :meth:`CsvWriter.encode`."""

    def encode(self, rows: Iterable[Sequence[Any]]) -> bytes:
        rows = rows if isinstance(rows, list) else list(rows)
        widths = set(map(len, rows))
        if len(widths) == 1 and (width := widths.pop()) > 1:  # one empty cell alone is ""
            try:
                text = "\n".join(map(",".join, rows)) + "\n"
            except TypeError:  # a cell not text after all
                return super().encode(rows)
            if (
                text.count(",") == len(rows) * (width - 1)
                and text.count("\n") == len(rows)
                and '"' not in text
                and left_as_is(data := text.encode())
            ):
                return data
        return super().encode(rows)


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    return b"".join(csv_chunks(columns, rows))


def read_back(data: bytes) -> list[list[str]]:
    """Rows of a CSV produced here (BOM removed); for tests and tools."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
