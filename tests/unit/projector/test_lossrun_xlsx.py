"""Stories for the loss run's spreadsheet, read back with openpyxl as a clerk's Excel would:
typed cells, a frozen column row, a filter over the rows, a totals block and a header sheet
that ties the run to the ledger."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import from_excel

from projector.domain.loss_run import Line
from projector.views import lossrun, lossrun_xlsx, tabular

pytestmark = pytest.mark.unit

COLUMNS = list(lossrun.COLUMNS)
HEADER = lossrun.Header("澎湖湾物业", "all", "all", date(2026, 11, 30))
GENERATED = datetime(2026, 12, 1, 8, 30, 5, tzinfo=UTC)
STAMP = lossrun_xlsx.Stamp(generated_at=GENERATED, ledger_position=4711,
                           checkpoint_size=4700, checkpoint_root="ab" * 32)  # fmt: skip


def line(incident: str, carrier: str, policy: str, currency: str, paid: int, **kw: Any) -> Line:
    fields: dict[str, Any] = dict(
        incident_id=incident, claim_number=f"CLM-{incident}", loss_ids=("a", "b"),
        date_of_loss=datetime(2026, 10, 30, 14, 5, tzinfo=UTC),
        date_reported=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), kind="fire",
        location_code="PHB", claimant="张三", carrier=carrier, policy_number=policy,
        coverage="property", status="open", days_unclaimed=None, recorded_loss_minor=paid * 3,
        paid_minor=paid, reserve_minor=paid, incurred_minor=paid * 2, recovered_minor=0,
        net_incurred_minor=paid * 2, currency=currency,
    )  # fmt: skip
    return Line(**(fields | kw))


RUN = [
    line("I-1", "PICC", "P-1", "CNY", 12_345),
    line("I-2", "PICC", "P-2", "CNY", 100),
    line("I-3", "Allianz", "A-1", "KWD", 1_500, claim_number="", status="unclaimed",
         days_unclaimed=3, date_reported=None),
]  # fmt: skip


def workbook(rows: list[Line], stamp: lossrun_xlsx.Stamp = STAMP) -> Any:
    book = lossrun_xlsx.LossRunBook(HEADER, stamp)
    for row in rows:
        book.totals.add(row)
    book.add(rows)
    return openpyxl.load_workbook(io.BytesIO(b"".join(book.finish())))


def test_rows_are_typed_under_a_frozen_filtered_column_row() -> None:
    """Given a run of three rows in CNY and KWD, when it is written as a spreadsheet, then
    the active sheet opens on the column row, frozen, with a filter over it and the rows;
    dates are dates and amounts numbers in their currency's places."""
    book = workbook(RUN)
    sheet = book.active
    assert sheet.title == "Loss run"
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:T4"
    cny, kwd = sheet[2], sheet[4]
    assert cny[COLUMNS.index("date_of_loss")].is_date
    assert cny[COLUMNS.index("date_of_loss")].value == datetime(2026, 10, 30)
    assert cny[COLUMNS.index("date_reported")].number_format == "yyyy-mm-dd"
    paid = COLUMNS.index("paid")
    assert (cny[paid].value, cny[paid].number_format) == (123.45, "#,##0.00")
    assert (kwd[paid].value, kwd[paid].number_format) == (1.5, "#,##0.000")
    assert kwd[COLUMNS.index("days_unclaimed")].value == 3
    assert kwd[COLUMNS.index("date_reported")].value is None


def test_columns_are_wide_enough_for_their_names_and_amounts() -> None:
    dims = workbook(RUN).active.column_dimensions.values()
    width = {col: d.width for d in dims for col in range(d.min, d.max + 1)}
    for i, name in enumerate(COLUMNS, start=1):
        assert width[i] >= len(name) + 2, name
    assert all(width[COLUMNS.index(a) + 1] >= 16 for a in lossrun.AMOUNTS)


def test_the_totals_block_follows_a_blank_row() -> None:
    """Given the run, then after a blank row come the totals per currency, then per
    currency, carrier and policy, with exact amounts and the counts of claims and unclaimed
    losses in the claim number and loss ids columns."""
    rows = list(workbook(RUN).active.iter_rows(min_row=5, values_only=True))
    assert all(v in (None, "") for v in rows[0])
    paid, carrier = COLUMNS.index("paid"), COLUMNS.index("carrier")
    totals = [(r[0], r[1], r[2], r[carrier], r[carrier + 1], r[paid], r[-1]) for r in rows[1:]]
    assert totals == [
        ("TOTAL", 2, 0, None, None, 124.45, "CNY"),
        ("TOTAL", 0, 1, None, None, 1.5, "KWD"),
        ("TOTAL BY CARRIER AND POLICY", 1, 0, "PICC", "P-1", 123.45, "CNY"),
        ("TOTAL BY CARRIER AND POLICY", 1, 0, "PICC", "P-2", 1.0, "CNY"),
        ("TOTAL BY CARRIER AND POLICY", 0, 1, "Allianz", "A-1", 1.5, "KWD"),
    ]
    assert Decimal(str(totals[0][5])) == Decimal("124.45")


def test_the_header_sheet_ties_the_run_to_the_ledger() -> None:
    """Given a run read at ledger position 4711 with a checkpoint signed at 4700, then the
    header sheet names the insured, carrier, policy, valuation date, when it was generated,
    the position and the checkpoint's tree size and root hash, typed."""
    sheet = workbook(RUN)["Header"]
    lines = {r[0]: r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert lines == {
        "Insured": "澎湖湾物业",
        "Carrier": "all",
        "Policy": "all",
        "Valuation date": datetime(2026, 11, 30),
        "Generated at (UTC)": datetime(2026, 12, 1, 8, 30, 5),
        "Ledger position read": 4711,
        "Checkpoint tree size": 4700,
        "Checkpoint root hash": "ab" * 32,
    }
    assert sheet["B6"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_without_a_checkpoint_the_header_says_nothing_of_one_and_an_empty_run_opens() -> None:
    book = workbook([], lossrun_xlsx.Stamp(generated_at=GENERATED, ledger_position=0))
    lines = [r[0] for r in book["Header"].iter_rows(min_row=2, values_only=True)]
    assert "Checkpoint tree size" not in lines
    assert book.active.auto_filter.ref == "A1:T1"
    assert [c.value for c in book.active[1]] == COLUMNS


def test_text_longer_than_a_cell_holds_is_cut_and_says_so() -> None:
    """Given a claim covering so many losses that its ``loss_ids`` run past the 32,767
    characters Excel keeps in a cell, when the run is written, then that cell holds the
    first of them and ends saying how long the text was; the row's other cells, and the
    rows after it, are written as usual (the CSV and JSON keep the whole text)."""
    ids = tuple(f"LOSS-{i:06d}" for i in range(4000))
    whole = ", ".join(ids)
    sheet = workbook([line("I-1", "PICC", "P-1", "CNY", 100, loss_ids=ids), *RUN[1:]]).active
    cut = sheet[2][COLUMNS.index("loss_ids")].value
    assert len(cut) == tabular.CELL_TEXT_LIMIT
    assert cut.endswith(f" …[cut: {len(whole):,} characters]")
    assert whole.startswith(cut[: cut.index(" …[cut")])
    assert sheet[2][COLUMNS.index("carrier")].value == "PICC"
    assert sheet[2][COLUMNS.index("paid")].value == 1.0
    assert [sheet[r][0].value for r in (3, 4)] == ["I-2", "I-3"]


@given(st.text(max_size=30), st.integers(-3, 60), st.text(max_size=30))
@settings(max_examples=50)
def test_any_text_fits_a_cell_whole_or_cut_from_its_end(head: str, over: int, tail: str) -> None:
    """Any text near the limit (its ends drawn at random): whole when it fits, otherwise
    its beginning then the marker, exactly as long as a cell holds."""
    text = head + "中" * max(0, tabular.CELL_TEXT_LIMIT + over - len(head) - len(tail)) + tail
    cell = tabular.fitted(text)
    if len(text) <= tabular.CELL_TEXT_LIMIT:
        assert cell == text
    else:
        marker = f" …[cut: {len(text):,} characters]"
        assert len(cell) == tabular.CELL_TEXT_LIMIT
        assert cell == text[: len(cell) - len(marker)] + marker


@given(st.dates(min_value=date(1900, 3, 1)))
def test_a_day_number_reads_back_as_its_day(day: date) -> None:
    """Given any day a loss can have, then the number a cell holds for it is the day a
    spreadsheet reader shows (openpyxl's reading of the 1900 date system)."""
    at = datetime(day.year, day.month, day.day, 23, 59, tzinfo=UTC)
    assert from_excel(tabular.day_number(at)) == datetime(day.year, day.month, day.day)
    assert tabular.day_number(day) == tabular.day_number(at)


def test_the_file_may_be_written_before_it_is_read() -> None:
    """Given a finished run closed apart from its reading (as a server does off its event
    loop), when its chunks are read, then they are the whole spreadsheet, closed once."""
    book = lossrun_xlsx.LossRunBook(HEADER, STAMP)
    for row in RUN:
        book.totals.add(row)
    book.add(RUN)
    chunks = book.finish()
    book.close()
    book.close()
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(chunks))).active
    assert sheet.max_row == 4 + 1 + 5  # the column row, the rows, a blank, the totals
