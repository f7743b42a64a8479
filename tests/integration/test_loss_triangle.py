"""Clerks and auditors read loss development triangles built from the ledger's own history:
given claims that develop over quarters, when the triangle is asked for, then its cells,
factors and ultimates are those computed by hand, in JSON and CSV alike."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import openpyxl
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.events import Site
from contracts.levels import ClaimStatus
from projector.views.csv_text import read_back
from tests import seeding
from tests.integration.api_story import AGENT, SOURCE, Story, story
from tests.integration.scoped_ledger import Scoped, scoped_ledger
from tests.integration.test_profile_commands import env  # noqa: F401 (a fixture)
from tests.integration.test_profile_commands import ledger as ledger_command

pytestmark = pytest.mark.integration
PATH = "/v1/losses/triangle"
ASKED = {"currency": "EUR", "origin": "quarter", "valuation_date": "2025-09-30"}


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Story]:
    async for value in story(pool, nc):
        await value.append(*_book())
        yield value


@pytest.fixture
async def ledger(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Scoped]:
    async for value in scoped_ledger(pool, nc):
        yield value


def _at(month: int, d: int = 10) -> datetime:
    return datetime(2025, month, d, 9, tzinfo=UTC)


def _claim(incident: str, at: datetime, reserve: int, paid: int | None = None) -> Any:
    common: dict[str, Any] = dict(claim_number=f"CLM-{incident}", insurer="Allianz",
                                  policy_number="POL-EU", currency="EUR", reserve_minor=reserve,
                                  incident_id=incident, source=SOURCE, actor=AGENT,
                                  occurred_at=at)  # fmt: skip
    if paid is None:
        return builders.open_claim(**common)
    return builders.update_claim(status=ClaimStatus.OPEN, paid_minor=paid, **common)


def _book() -> list[Any]:
    """TRI-1 (2025Q1) pays 60 then 120 EUR; TRI-2 (2025Q2) pays 30 EUR in Q3."""
    site = Site(name="Hall", location_code="EU-01")
    report = [
        builders.report_incident(
            kind=IncidentKind.FIRE,
            title="Fire",
            site=site,
            channel=ReportChannel.PHONE,
            detected_at=_at(m),
            incident_id=i,
            source=SOURCE,
            actor=AGENT,
            occurred_at=_at(m, 11),
        )
        for i, m in (("TRI-1", 1), ("TRI-2", 4))
    ]
    return [
        report[0], _claim("TRI-1", _at(2), 10_000), _claim("TRI-1", _at(5), 5_000, 6_000),
        _claim("TRI-1", _at(8), 0, 12_000),
        report[1], _claim("TRI-2", _at(4, 25), 4_000), _claim("TRI-2", _at(7), 2_000, 3_000),
    ]  # fmt: skip


async def test_paid_triangle_with_factors_is_the_hand_computed_one(told: Story) -> None:
    answer = await told.get(PATH, role="clerk", measure="paid", **{"with": "factors"}, **ASKED)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["basis"], body["measure"]) == ("occurred", "paid")
    (eur,) = body["triangles"]
    assert eur["ages_months"] == [3, 6, 9]
    rows = [(r["origin"], r["cells"], r["ultimate"]) for r in eur["rows"]]
    assert rows == [("2025Q1", ["0.00", "60.00", "120.00"], "120.00"),
                    ("2025Q2", ["0.00", "30.00", None], "60.00")]  # fmt: skip
    assert eur["factors"] == [None, "2.000000000000"]


async def test_incurred_factors_are_volume_weighted(told: Story) -> None:
    body = (await told.get(PATH, measure="incurred", **{"with": "factors"}, **ASKED)).json()
    (eur,) = body["triangles"]
    assert [r["cells_minor"] for r in eur["rows"]] == [
        [10_000, 11_000, 12_000],
        [4_000, 5_000, None],
    ]
    assert eur["factors"] == ["1.142857142857", "1.090909090909"]  # 16/14, 12/11
    assert [r["ultimate_minor"] for r in eur["rows"]] == [12_000, 5_455]


async def test_the_csv_holds_the_same_cells(told: Story) -> None:
    answer = await told.get(PATH, measure="incurred", format="csv", **ASKED)
    assert answer.headers["content-type"].startswith("text/csv")
    lines = read_back(answer.content)
    assert ["EUR", "2025Q1", "100.00", "110.00", "120.00"] in lines
    assert ["EUR", "2025Q2", "40.00", "50.00", ""] in lines


async def test_on_the_recorded_basis_a_past_valuation_knows_nothing_recorded_since(
    told: Story,
) -> None:
    # the history was recorded today: valued in 2025, the ledger knew none of it
    body = (await told.get(PATH, basis="recorded", **ASKED)).json()
    assert (body["basis"], body["triangles"]) == ("recorded", [])
    today = {**ASKED, "valuation_date": datetime.now(UTC).date().isoformat()}
    (eur,) = (await told.get(PATH, basis="recorded", **today)).json()["triangles"]
    assert [_latest(r["cells"]) for r in eur["rows"]] == ["120.00", "30.00"]


def _latest(cells: list[str | None]) -> str:
    return [c for c in cells if c is not None][-1]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"measure": "premium"}, "measure"),
        ({"origin": "week"}, "origin"),
        ({"origin": "month", "development": "year"}, "development"),
        ({"basis": "booked"}, "basis"),
        ({"from": "2025-06-01", "to": "2025-01-01"}, "to"),
        ({"with": "tails"}, "with"),
        ({"currency": "euro"}, "currency"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
async def test_bad_input_is_400_naming_the_parameter(
    told: Story, params: dict[str, str], name: str
) -> None:
    answer = await told.get(PATH, **params)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["parameter"] == name


async def test_only_the_loss_runs_readers_may_read_triangles(told: Story) -> None:
    assert (await told.get(PATH, role="publisher")).status_code == 403


async def test_a_scoped_token_counts_only_its_organisations_incidents(ledger: Scoped) -> None:
    a = await ledger.token("auditor", "org-a")
    everyone = await ledger.token("auditor", None)
    asked = {"measure": "reported_count", "origin": "year"}
    mine = (await ledger.get(PATH, a, **asked)).json()["triangles"]
    every = (await ledger.get(PATH, everyone, **asked)).json()["triangles"]
    count = sum(int(_latest(r["cells"])) for t in mine for r in t["rows"])
    total = sum(int(_latest(r["cells"])) for t in every for r in t["rows"])
    assert 0 < count < total


async def test_the_command_writes_the_same_triangle_as_csv(
    pool: asyncpg.Pool,
    nc: Client,
    env: dict[str, str],  # noqa: F811 (the imported fixture)
    tmp_path: Path,
) -> None:
    # given the book recorded through the ingest's writer
    async with pool.acquire() as conn:
        await seeding.append(conn, nc, _book())
    # when an operator writes the incurred triangle with factors to a file
    out = tmp_path / "triangle.csv"
    args: tuple[str, ...] = ("losses", "triangle", "--measure", "incurred", "--currency", "EUR",
            "--valuation-date", "2025-09-30", "--factors", "-o", str(out))  # fmt: skip
    code, _, err = await ledger_command(env, *args)
    # then it holds the cells, ultimates and factors the API gives
    assert code == 0, err
    lines = read_back(out.read_bytes())
    assert ["EUR", "2025Q2", "40.00", "50.00", "", "54.55"] in lines
    assert ["EUR", "factors", "1.142857142857", "1.090909090909"] in lines
    code, _, err = await ledger_command(env, "losses", "triangle", "--origin", "month",
                                        "--development", "year")  # fmt: skip
    assert code == 2
    assert "--development" in err
    code, _, err = await ledger_command(env, "losses", "triangle", "--as-of", "yesterday")
    assert code == 2
    assert "--as-of" in err
    # and as of an instant before anything was recorded, a recorded triangle is empty
    args = ("losses", "triangle", "--basis", "recorded", "--as-of", "2020-01-01T00:00:00Z")
    code, out_text, err = await ledger_command(env, *args)
    assert code == 0, err
    assert "2020-01-01T00:00:00+00:00" in out_text
    assert "currency" not in out_text


async def test_the_spreadsheet_holds_the_figures_as_numbers(told: Story) -> None:
    answer = await told.get(PATH, measure="incurred", format="xlsx", **ASKED)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-disposition"] == (
        'attachment; filename="loss-triangle-incurred-2025-09-30.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = [list(r)[:5] for r in sheet.iter_rows(values_only=True)]
    assert ["EUR", "2025Q1", 100, 110, 120] in rows
    assert ["currency", "origin", "3", "6", "9"] in rows


async def test_the_spreadsheet_totals_each_age_and_names_what_it_holds(told: Story) -> None:
    """Given Q1's incurred 100, 110, 120 EUR and Q2's 40, 50, when the triangle is read as a
    spreadsheet, then a bold total line sums each age over the origins that reached it, and
    a header sheet names the insured, the measure, the basis and where the ledger stood."""
    answer = await told.get(PATH, measure="incurred", format="xlsx", **ASKED)
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    sheet = book["Loss triangle"]
    [total] = [r for r in sheet.iter_rows() if r[1].value == "TOTAL"]
    assert [c.value for c in total[:5]] == ["EUR", "TOTAL", 140, 160, 120]
    assert total[0].font.b
    lines = {r[0]: r[1] for r in book["Header"].iter_rows(min_row=2, values_only=True)}
    assert (lines["Measure"], lines["Basis"], lines["Origin"]) == (
        "incurred",
        "occurred",
        "quarter",
    )
    assert lines["Valuation (UTC)"].date().isoformat() == "2025-09-30"
    assert lines["Ledger position read"] >= 7


async def test_a_recorded_triangle_is_valued_at_an_instant(told: Story) -> None:
    """Given the story recorded today, when the recorded-basis triangle is asked as of an
    instant before it, then it holds nothing; as of now, what the valuation of today holds."""
    asked = {"currency": "EUR", "origin": "quarter", "basis": "recorded"}
    before = await told.get(PATH, as_of="2020-01-01T00:00:00Z", **asked)
    assert before.status_code == 200, before.text
    assert before.json()["triangles"] == []
    assert before.json()["valuation"].startswith("2020-01-01T00:00:00")
    now = await told.get(PATH, as_of=datetime.now(UTC).isoformat(), **asked)
    today = await told.get(PATH, **asked)
    assert now.json()["triangles"] == today.json()["triangles"] != []
