"""Stories for the loss run's one table of columns: every format's cells, the spreadsheet's
cell formats and the totals follow it, so a column placed in the table is placed alike in
JSON, CSV and XLSX."""

from __future__ import annotations

import msgspec
import pytest

from contracts import money
from projector.views import csv_text, lossrun_cells, lossrun_sheet
from projector.views.lossrun_columns import AMOUNTS, COLUMNS, TABLE, Kind
from projector.views.tabular import Workbook
from tests.unit.projector.test_lossrun_xlsx import RUN

pytestmark = pytest.mark.unit
CLAIMED, UNCLAIMED = RUN[0], RUN[2]


def _at(kind: Kind) -> list[int]:
    return [at for at, column in enumerate(TABLE) if column.kind is kind]


def test_each_format_puts_each_kind_where_the_table_does() -> None:
    """Given a claimed row, when it is made into each format's cells, then there is a cell a
    column, days and amounts where the table places them, each as its format shows it."""
    csv, xlsx = lossrun_cells.cells(CLAIMED), lossrun_cells.xlsx_cells(CLAIMED)
    as_json = lossrun_cells.json_row(CLAIMED)
    assert len(csv) == len(xlsx) == len(TABLE)
    assert list(as_json)[: len(COLUMNS)] == list(COLUMNS)
    assert [csv[at] for at in _at(Kind.DAY)] == ["2026-10-30", "2026-11-02"]
    assert [xlsx[at] for at in _at(Kind.AMOUNT)] == [123.45 * k for k in (3, 1, 1, 2, 0, 2)]
    assert [as_json[name] for name in AMOUNTS] == [csv[at] for at in _at(Kind.AMOUNT)]
    assert as_json["recorded_loss_minor"] == CLAIMED.recorded_loss_minor


def test_absent_values_are_blank_in_each_format_as_it_shows_blanks() -> None:
    """Given an unclaimed row with no report date and no kind, then CSV leaves empty cells
    (``None``), the spreadsheet and JSON a blank kind, and the days unclaimed are a count."""
    bare = msgspec.structs.replace(UNCLAIMED, kind=None)
    at_kind, at_days = COLUMNS.index("kind"), COLUMNS.index("days_unclaimed")
    at_reported = COLUMNS.index("date_reported")
    assert lossrun_cells.cells(bare)[at_kind] is None
    assert lossrun_cells.xlsx_cells(bare)[at_kind] == lossrun_cells.json_row(bare)["kind"] == ""
    assert lossrun_cells.cells(bare)[at_reported] is None
    assert (lossrun_cells.cells(bare)[at_days], lossrun_cells.xlsx_cells(bare)[at_days]) == ("3", 3)


def test_a_table_in_another_order_makes_cells_in_that_order() -> None:
    """Given the table reversed, when a row's cells are made from it, then they are the
    cells made from the table, reversed."""
    made = lossrun_cells.maker(
        "reversed", lossrun_cells.AS_IT_IS | {Kind.OPTIONAL: "{v}", Kind.DAY: "{v}",
                                             Kind.COUNT: "{v}"},
        money.formatter, table=TABLE[::-1],
    )  # fmt: skip
    straight = lossrun_cells.maker(
        "straight", lossrun_cells.AS_IT_IS | {Kind.OPTIONAL: "{v}", Kind.DAY: "{v}",
                                              Kind.COUNT: "{v}"},
        money.formatter,
    )  # fmt: skip
    assert made(CLAIMED) == straight(CLAIMED)[::-1]


def test_the_spreadsheet_formats_follow_the_kinds_in_a_few_runs() -> None:
    """Given a workbook, when a row's layout is made for a currency, then amounts and the
    currency are in the currency's format, the rest (days too: their columns carry the date
    format) without one, in 2 runs."""
    book = Workbook("Loss run")
    layout = lossrun_sheet.layout(book, money.number_format("KWD"))
    book.discard()
    shape = {at: fmt for start, end, fmt in layout for at in range(start, end)}
    assert len(layout) == 2
    assert sorted(shape) == list(range(len(TABLE)))
    kwd = book.number(money.number_format("KWD"))
    assert all(shape[at] is kwd for at in _at(Kind.AMOUNT) + _at(Kind.CURRENCY))
    assert all(shape[at] is None for at in _at(Kind.TEXT) + _at(Kind.COUNT) + _at(Kind.DAY))


def test_a_totals_row_sits_in_the_table_columns() -> None:
    """Given the run's totals, then each totals row has a cell a column, its label first,
    carrier and policy under theirs, the sums under the amounts, the currency last."""
    totals = lossrun_cells.Totals()
    for row in RUN:
        totals.add(row)
    first = next(totals.cells())
    assert len(first) == len(TABLE)
    assert (first[0], first[COLUMNS.index("currency")]) == ("TOTAL", "CNY")
    assert [first[at] for at in _at(Kind.AMOUNT)][1] == money.units(12_345 + 100, "CNY")


def test_a_runs_csv_cells_write_the_bytes_the_cells_do() -> None:
    """Given every row of a run (claimed, unclaimed, blanks, a claimant like a formula, an
    amount negative), when a run's CSV cells (texts, amounts formatted once) are written,
    then the bytes are those of :data:`lossrun_cells.cells` written by the CSV writer."""
    odd = [msgspec.structs.replace(UNCLAIMED, kind=None, date_of_loss=None),
           msgspec.structs.replace(CLAIMED, claimant="=HYPERLINK(1)", net_incurred_minor=-5),
           msgspec.structs.replace(CLAIMED, carrier="a, b", claimant='"q"\r\n')]  # fmt: skip
    rows = [*RUN, *odd, *RUN]
    made = lossrun_cells.csv_cells()
    for some in ([*RUN, *RUN], rows, odd):
        plain = csv_text.CsvWriter().encode([lossrun_cells.cells(row) for row in some])
        assert csv_text.TextRowsWriter().encode([made(row) for row in some]) == plain
