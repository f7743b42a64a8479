"""CSV cells no spreadsheet program takes for a formula (OWASP's "CSV injection"): a text
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
single quote before it (``=1+2`` → ``'=1+2``), which Excel, LibreOffice and Google Sheets
show as text; a row with a carriage return in a text cell has its cells quoted, so that no
text after it starts a line of its own. A number written as text (``-0.05``, an amount;
``-12``) is not a formula and stays as it is, so that it still reads as a number. Cells
that are not text (numbers, ``None``) are left alone. Every CSV the product writes passes
through :func:`projector.views.csv_text.csv_chunks` or
:class:`~projector.views.csv_text.CsvWriter`, which apply this; JSON keeps the original
text, and an XLSX text cell is never a formula.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

TRIGGERS = frozenset("=+-@\t\r")
"""The first characters that make a spreadsheet program read a cell as a formula."""
QUOTE = "'"
_DIGITS = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMBER = re.compile(f"-?{_DIGITS}").fullmatch
# The first characters looked for in written CSV: the carriage return apart (any one
# sends a batch the slow way) and the minus (a number may start with it).
_FIRSTS = sorted(TRIGGERS - {"-", "\r"})
_FIRST = re.escape("".join(_FIRSTS)).encode()
# in CSV written as it is (LF line ends): a cell starting with a formula's first character,
# quoted or not, except an unquoted number
_STARTS_A_FORMULA = re.compile(
    rb'(?:^|[,\n])(?:"[-' + _FIRST + rb"]|[" + _FIRST + rb"]|-(?!" + _DIGITS.encode() + rb"[,\n]))"
).search


def inert(value: Any) -> Any:
    """The cell as written: text that would be a formula behind a single quote."""
    if isinstance(value, str) and value[:1] in TRIGGERS and not _NUMBER(value):
        return QUOTE + value
    return value


def inert_rows(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[Sequence[Any], bool]]:
    """Each row with :func:`inert` applied to its cells, and whether a text cell holds a
    carriage return (the row is then written with every cell quoted: unquoted, a spreadsheet
    program would start a new line there, and the text after it a cell of its own). A row
    with no such text, nearly every row, is passed on as it is."""
    for row in rows:
        risky = [v for v in row if isinstance(v, str) and (v[:1] in TRIGGERS or "\r" in v)]
        if risky:
            yield [inert(v) for v in row], any("\r" in v for v in risky)
        else:
            yield row, False


_SUSPECTS = (*(c.encode() for c in _FIRSTS), b",-", b"\n-", b'"-')


def left_as_is(data: bytes) -> bool:
    """Whether ``data``, rows written as CSV as they are (LF line ends), is what
    :func:`inert_rows` would have had written: no carriage return, and no cell starting with
    a formula's first character, a number aside. Checked on the encoded text at once (its
    ASCII bytes are its ASCII characters), far faster than cell by cell; a cell in quotes
    starting with ``-`` says no, even a number."""
    if b"\r" in data:
        return False
    if data[:1] != b"-" and not any(suspect in data for suspect in _SUSPECTS):
        return True
    return _STARTS_A_FORMULA(data) is None
