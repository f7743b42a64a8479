"""Stories for CSV cells a spreadsheet program might run as formulas: text that starts like
a formula is written behind a single quote, numbers and amounts stay numbers, and the CSV
still reads back to every other cell unchanged."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import money
from projector.views import csv_text
from projector.views.formulas import QUOTE, TRIGGERS, inert, inert_rows

pytestmark = pytest.mark.unit

texts = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
formula_like = st.builds(lambda c, rest: c + rest, st.sampled_from(sorted(TRIGGERS)), texts)


def written(row: list[object]) -> list[str]:
    """A row as a spreadsheet program reads its cells back from the CSV."""
    [line] = csv_text.read_back(csv_text.CsvWriter().encode([row]))
    return line


def test_a_formula_in_a_text_cell_is_written_as_text() -> None:
    """Given a claimant named like formulas (the classic attacks among them), when the row
    is written as CSV, then each cell starts with a single quote, the rest untouched."""
    attacks = ["=1+2", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1", "\r=1"]
    assert written(list(attacks)) == [QUOTE + a for a in attacks]


def test_a_carriage_return_inside_a_text_does_not_start_a_line() -> None:
    """Given a text with a carriage return before a formula, when written, then its row is
    quoted: the text stays one cell, and no line of the file starts with the formula."""
    data = csv_text.CsvWriter().encode([["note\r=HYPERLINK(1)", "12.50"]])
    assert data == b'"note\r=HYPERLINK(1)","12.50"\n'
    assert csv_text.read_back(data) == [["note\r=HYPERLINK(1)", "12.50"]]


@given(st.lists(st.one_of(texts, formula_like), min_size=1, max_size=6))
def test_no_cell_read_back_starts_like_a_formula_unless_it_is_a_number(
    row: list[str],
) -> None:
    """Given any text cells, when written as CSV and read back, then no cell starts with a
    formula's first character unless it is a plain number, and removing the quote added to
    a cell gives the original text."""
    for original, cell in zip(row, written(list(row)), strict=True):
        if cell[:1] in TRIGGERS:
            assert float(cell) == float(original)
        assert cell in (original, QUOTE + original)
        assert (cell == original) == (inert(original) == original)


@given(st.integers(min_value=-(10**20), max_value=10**20), st.sampled_from(money.CODES))
def test_amounts_stay_numbers(minor: int, code: str) -> None:
    """Given any amount of any currency, negative ones too, when it is a CSV cell, then it
    is written as it is shown, a number a spreadsheet sums."""
    shown = money.units(minor, code)
    assert written([shown, minor, None]) == [shown, str(minor), ""]


def test_the_header_row_is_kept_safe_too() -> None:
    """Given columns named like a formula, then the header row quotes them as well."""
    data = b"".join(csv_text.csv_chunks(["=cmd", "ok"], [["-1", "@x"]]))
    assert csv_text.read_back(data) == [["'=cmd", "ok"], ["-1", "'@x"]]


def one_row_at_a_time(rows: Sequence[Sequence[object]]) -> bytes:
    """The CSV as written before a batch was checked at once: each row through
    :func:`inert_rows`, quoted whole when it holds a carriage return."""
    out = io.StringIO()
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row, carriage in inert_rows(rows):
        (quoted if carriage else plain).writerow(row)
    return out.getvalue().encode()


cells = st.one_of(
    texts,
    formula_like,
    st.sampled_from(["-", "-.5", "-1e5x", "a,-1", '"-2"', "-3\n", "x\n=1", "1-2", "-0.05"]),
    st.builds(money.units, st.integers(-(10**9), 10**9), st.sampled_from(["CNY", "JPY"])),
    st.integers(),
    st.floats(),
    st.none(),
)


@given(st.lists(st.lists(cells, max_size=6), max_size=8))
def test_a_batch_checked_at_once_is_written_as_row_by_row(rows: list[list[object]]) -> None:
    """Given any rows (texts, formulas, negative numbers, quoted cells, other values), when
    a batch is written at once, then the bytes are those of the rows written one at a time,
    each made inert."""
    assert csv_text.CsvWriter().encode(rows) == one_row_at_a_time(rows)


@given(
    st.integers(2, 5).flatmap(
        lambda n: st.lists(
            st.lists(
                st.one_of(texts, formula_like, st.sampled_from(["", ",", '"', "\n", "-1", "-x"])),
                min_size=n,
                max_size=n,
            ),
            max_size=8,
        )
    )
)
def test_rows_of_texts_joined_at_once_are_written_as_csv_writes_them(
    rows: list[list[str]],
) -> None:
    """Given rows of one width whose cells are all text (delimiters, quotes, line ends and
    formulas among them), when joined at once, then the bytes are those the CSV writer
    makes of them, each made inert."""
    assert csv_text.TextRowsWriter().encode(rows) == one_row_at_a_time(rows)
