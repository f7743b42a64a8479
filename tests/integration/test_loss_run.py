"""The complete loss run through the API, seeded through the ingest's writer: a loss no one
has claimed, a claim with revisions and a recovery, valued at three instants; and the JSON,
CSV and XLSX of one run hold the same columns and rows."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import openpyxl
import pytest
from ledger_verify import note
from nats.aio.client import Client

from contracts import builders
from contracts.levels import Basis, ClaimStatus, LossCategory
from projector.views import lossrun
from projector.views.tabular import read_back
from tests.integration.api_story import AGENT, SOURCE, Story, outage, story
from tests.integration.test_checkpoints import Published, signer_in

pytestmark = pytest.mark.integration
ENV: dict[str, Any] = {"incident_id": "LR-1", "source": SOURCE, "actor": AGENT}
CLAIM: dict[str, Any] = {"claim_number": "CLM-LR", "insurer": "PICC", "policy_number": "P-1",
                         "currency": "CNY", **ENV}  # fmt: skip
SHOWN = ("claim_number", "loss_ids", "carrier", "policy_number", "coverage", "status",
         "days_unclaimed",
         *lossrun.AMOUNTS, "currency")  # fmt: skip


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Story]:
    async for value in story(pool, nc):
        yield value


async def _history(told: Story) -> list[datetime]:
    """The story, and the instant after each of its three steps."""
    money = {"currency": "CNY", **ENV}
    kit = builders.record_loss(
        loss_id="kit",
        category=LossCategory.PROPERTY,
        amount_minor=2_000_000,
        basis=Basis.ESTIMATE,
        insured=True,
        insurer="PICC",
        policy_ref="P-1",
        **money,
    )
    stock = builders.record_loss(
        loss_id="bi",
        category=LossCategory.BUSINESS_INTERRUPTION,
        amount_minor=1_500,
        currency="KWD",
        basis=Basis.ESTIMATE,
        **ENV,
    )
    revised = builders.revise_loss(
        loss_id="kit",
        category=LossCategory.PROPERTY,
        amount_minor=1_800_000,
        basis=Basis.FINAL,
        reason="assessed",
        **money,
    )
    opened = builders.open_claim(reserve_minor=1_500_000, **CLAIM)
    paid = builders.update_claim(
        status=ClaimStatus.OPEN,
        paid_minor=1_000_000,
        reserve_minor=300_000,
        recovered_minor=200_000,
        **CLAIM,
    )
    instants = []
    for step in ((outage("LR-1", minutes_ago=60), kit, stock), (opened, revised), (paid,)):
        await told.append(*step)
        instants.append(await told.recorded_at("LR-1"))
    await told.project()
    return instants


async def _rows(told: Story, **params: Any) -> list[tuple[Any, ...]]:
    run = (await told.get("/v1/losses", **params)).json()
    return [tuple(r[c] for c in SHOWN) for r in run["rows"] if r["incident_id"] == "LR-1"]


UNCLAIMED_BI = ("", "bi", "", "", "business_interruption", "unclaimed", 0, "1.500", "0.000",
                "0.000", "0.000", "0.000", "0.000", "KWD")  # fmt: skip


async def test_the_run_at_three_instants_follows_the_revisions_known_then(told: Story) -> None:
    """Given a loss in CNY under policy P-1 and an uninsured one in KWD, then a claim under
    P-1 with the CNY loss revised, then a payment and a recovery: valued after each step,
    the run shows the hand-computed rows, the unclaimed losses among them."""
    first, second, third = await _history(told)
    assert await _rows(told, as_of=first.isoformat()) == [
        UNCLAIMED_BI,
        ("", "kit", "PICC", "P-1", "property", "unclaimed", 0, "20000.00", "0.00", "0.00",
         "0.00", "0.00", "0.00", "CNY"),
    ]  # fmt: skip
    assert await _rows(told, as_of=second.isoformat()) == [
        ("CLM-LR", "kit", "PICC", "P-1", "property", "open", None, "18000.00", "0.00",
         "15000.00", "15000.00", "0.00", "15000.00", "CNY"),
        UNCLAIMED_BI,
    ]  # fmt: skip
    settled = [
        ("CLM-LR", "kit", "PICC", "P-1", "property", "open", None, "18000.00", "10000.00",
         "3000.00", "13000.00", "2000.00", "11000.00", "CNY"),
        UNCLAIMED_BI,
    ]  # fmt: skip
    assert await _rows(told, as_of=third.isoformat()) == settled
    assert await _rows(told) == settled  # valued today, from the read model


async def test_json_csv_and_xlsx_of_one_run_hold_the_same_columns_and_rows(told: Story) -> None:
    """Given the story (and the demo scenarios' losses), when one run is fetched in the three
    formats, then the column names and every row agree, amounts exact to their places."""
    *_, third = await _history(told)
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
    *_, third = await _history(told)
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


async def test_a_past_run_read_two_events_a_round_trip_is_the_same(
    told: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the story and the demo's losses, when the log is read two events a round trip
    (so that incidents straddle the batches), then each past run's rows are the ones read
    in large batches."""
    instants = await _history(told)

    async def runs() -> list[Any]:
        return [(await told.get("/v1/losses", as_of=t.isoformat())).json()["rows"]
                for t in instants]  # fmt: skip

    large = await runs()
    monkeypatch.setattr(lossrun, "PREFETCH", 2)
    assert await runs() == large
    assert sum(len(rows) for rows in large) >= 5
