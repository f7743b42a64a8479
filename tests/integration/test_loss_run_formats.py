"""One loss run in JSON, CSV and XLSX: the same columns and rows in the three, the XLSX
frozen, filtered and tied to the ledger it was read from, and text that looks like a
formula kept as text in every format."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ledger_verify import note

from contracts import builders
from projector.views import lossrun
from projector.views.csv_text import read_back
from tests.integration.api_story import Story, outage
from tests.integration.loss_run_story import ENV, history
from tests.integration.test_checkpoints import Published, signer_in

pytestmark = pytest.mark.integration


async def test_json_csv_and_xlsx_of_one_run_hold_the_same_columns_and_rows(told: Story) -> None:
    """Given the story (and the demo scenarios' losses), when one run is fetched in the three
    formats, then the column names and every row agree, amounts exact to their places."""
    *_, third = await history(told)
    params = {"as_of": third.isoformat()}
    run = (await told.get("/v1/losses", **params)).json()
    as_json = [["" if r[c] is None else str(r[c]) for c in lossrun.COLUMNS] for r in run["rows"]]
    assert list(run["rows"][0])[: len(lossrun.COLUMNS)] == list(lossrun.COLUMNS)
    csv = read_back((await told.get("/v1/losses", format="csv", **params)).content)
    header = csv.index(list(lossrun.COLUMNS))
    assert _body(csv[header + 1 :]) == as_json
    xlsx = await told.get("/v1/losses", format="xlsx", **params)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = table.index(list(lossrun.COLUMNS)) + 1
    assert [[_text(v) for v in r] for r in _body(table[start:])] == _decimals(as_json)
    kwd = next(r for r in sheet.iter_rows(min_row=start + 1) if r[-1].value == "KWD")
    recorded = kwd[lossrun.COLUMNS.index("recorded_loss")]
    assert (recorded.value, recorded.number_format) == (1.5, "#,##0.000")
    assert kwd[lossrun.COLUMNS.index("date_of_loss")].is_date
    assert len(as_json) >= 4  # the scenarios' losses (claimed or not) and the story's
    assert {"CNY", "KWD"} <= set(run["totals"])


def _body(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows up to the blank line before the totals."""
    end = next((i for i, r in enumerate(rows) if not any(v not in (None, "") for v in r)), None)
    return rows[:end]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    return _number(str(value)) if isinstance(value, int | float) else str(value)


def _decimals(rows: list[list[str]]) -> list[list[str]]:
    """CSV text with amounts normalised as a spreadsheet keeps them (1.500 → 1.5)."""
    at = lossrun.COLUMNS.index(lossrun.AMOUNTS[0])
    amounts = range(at, at + len(lossrun.AMOUNTS))
    return [[_number(v) if i in amounts else v for i, v in enumerate(r)] for r in rows]


def _number(text: str) -> str:
    value = Decimal(text).normalize()
    return str(int(value)) if value == value.to_integral_value() else str(value)


async def test_the_xlsx_opens_frozen_filtered_and_tied_to_the_ledger(
    told: Story, tmp_path: Path
) -> None:
    """Given the story and a checkpoint signed over the ledger, when the run is fetched as
    XLSX, then it opens on its column row, frozen, filtered over the rows, and its header
    sheet names the insured, the ledger position read and the checkpoint's size and root."""
    *_, third = await history(told)
    signer = signer_in(tmp_path, note.generate("test.example/log"))
    async with told.pool.acquire() as conn:
        assert await signer.tick(conn, Published(), now=1000.0) is not None
        size, root, head = await conn.fetchrow(
            "SELECT c.size, c.root, (SELECT max(position) FROM events)"
            " FROM checkpoints c ORDER BY id DESC LIMIT 1"
        )
    params = {"as_of": third.isoformat()}
    rows = len((await told.get("/v1/losses", **params)).json()["rows"])
    book = openpyxl.load_workbook(
        io.BytesIO((await told.get("/v1/losses", format="xlsx", **params)).content)
    )
    sheet = book.active
    assert (sheet.title, sheet.freeze_panes, sheet.auto_filter.ref) == (
        "Loss run", "A2", f"A1:T{rows + 1}")  # fmt: skip
    header = {r[0]: r[1] for r in book["Header"].iter_rows(min_row=2, values_only=True)}
    assert header["Insured"].startswith("澎湖湾物业")
    assert header["Valuation date"].date() == third.date()
    assert header["Ledger position read"] == head
    assert (header["Checkpoint tree size"], header["Checkpoint root hash"]) == (size, root.hex())


async def test_a_carrier_named_like_a_formula_stays_text_in_every_format(told: Story) -> None:
    """Given a claim whose carrier and policy were published looking like formulas, when the
    run is fetched, then the CSV writes them behind a single quote (its amounts as they
    are), the JSON keeps them as published and the XLSX holds them as text."""
    sneaky, policy = '=HYPERLINK("http://x.example","refund")', "-1+1"
    env = {**ENV, "incident_id": "LR-F"}
    opened = builders.open_claim(claim_number="CLM-F", insurer=sneaky, policy_number=policy,
                                 currency="CNY", reserve_minor=100, **env)  # fmt: skip
    await told.append(outage("LR-F", minutes_ago=5), opened)
    await told.project()
    carrier, reserve = lossrun.COLUMNS.index("carrier"), lossrun.COLUMNS.index("reserve")
    [shown] = [
        r for r in (await told.get("/v1/losses")).json()["rows"] if r["incident_id"] == "LR-F"
    ]
    assert (shown["carrier"], shown["policy_number"], shown["reserve"]) == (sneaky, policy, "1.00")
    csv = read_back((await told.get("/v1/losses", format="csv")).content)
    [row] = [r for r in csv if r[:1] == ["LR-F"]]
    assert (row[carrier], row[carrier + 1], row[reserve]) == ("'" + sneaky, "'" + policy, "1.00")
    xlsx = (await told.get("/v1/losses", format="xlsx")).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    [cells] = [r for r in sheet.iter_rows() if r[0].value == "LR-F"]
    assert (cells[carrier].value, cells[carrier].data_type) == (sneaky, "s")
