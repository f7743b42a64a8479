"""Stories for loss development triangles: given an incident's loss history, when its
movements are laid out by origin and development period, then the cells are …"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from contracts import builders as b
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from contracts.levels import Basis as LossBasis
from contracts.levels import ClaimStatus, LossCategory
from projector.domain.development import Basis, Measure, movements
from projector.domain.facts import Fact
from projector.views.triangle import Builder, Period, Shape, build, chain_ladder, label
from projector.views.triangle_render import (
    TriangleAnswer,
    csv_rows,
    currency_triangle,
    total_line,
    xlsx_rows,
)

pytestmark = pytest.mark.unit

ACTOR = Actor(id="finance-1")


def day(y: int, m: int, d: int = 15) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


def report(incident: str, detected: datetime) -> Envelope:
    site = Site(name="Hall", location_code="HALL-01")
    return b.report_incident(kind=IncidentKind.FIRE, title="Fire", site=site,
                             channel=ReportChannel.PHONE, detected_at=detected,
                             occurred_at=detected, incident_id=incident, source="t",
                             actor=ACTOR)  # fmt: skip


def loss(incident: str, at: datetime, amount: int, currency: str = "EUR") -> Envelope:
    return b.record_loss(loss_id="L1", category=LossCategory.PROPERTY, amount_minor=amount,
                         currency=currency, basis=LossBasis.ESTIMATE, occurred_at=at,
                         incident_id=incident, source="t", actor=ACTOR)  # fmt: skip


def claim(incident: str, at: datetime, opened: bool = False, **amounts: Any) -> Envelope:
    common: dict[str, Any] = {"claim_number": f"C-{incident}", "insurer": "Allianz",
                              "policy_number": "P-1", "currency": "EUR", "occurred_at": at,
                              "incident_id": incident, "source": "t", "actor": ACTOR}  # fmt: skip
    if opened:  # a claim opens with a reserve only
        return b.open_claim(**common, reserve_minor=amounts["reserve_minor"])
    return b.update_claim(status=ClaimStatus.OPEN, **common, **amounts)


def facts(*envelopes: Envelope, recorded: datetime | None = None) -> list[Fact]:
    """Recorded when they occurred, or all at ``recorded`` (a history loaded later)."""
    return [Fact(i, i, recorded or e.occurred_at, e) for i, e in enumerate(envelopes, start=1)]


def history() -> list[Envelope]:
    return [
        report("INC-1", day(2024, 2)),
        loss("INC-1", day(2024, 2), 50_000),
        claim("INC-1", day(2024, 4), opened=True, reserve_minor=40_000),
        claim("INC-1", day(2024, 5), paid_minor=10_000, reserve_minor=30_000),
        claim("INC-1", day(2024, 8), paid_minor=35_000, reserve_minor=5_000, recovered_minor=2_000),
    ]


QUARTERS = Shape(origin=Period.QUARTER, development=Period.QUARTER, valuation=day(2024, 12, 31))


def test_paid_develops_by_quarter_from_the_date_of_loss() -> None:
    # given a fire in 2024Q1 whose claim pays in Q2 and Q3, net of a recovery
    moves = movements(facts(*history()), Measure.PAID, Basis.OCCURRED)
    # when laid out by quarter, valued at the end of 2024
    (grid,) = build(moves, QUARTERS)
    # then one origin, four ages, cumulative net paid in minor units
    assert (grid.currency, label(grid.first, Period.QUARTER)) == ("EUR", "2024Q1")
    assert grid.cells == [[0, 10_000, 33_000, 33_000]]


def test_incurred_is_the_recorded_loss_until_a_claim_takes_over() -> None:
    moves = movements(facts(*history()), Measure.INCURRED, Basis.OCCURRED)
    (grid,) = build(moves, QUARTERS)
    assert grid.cells == [[50_000, 40_000, 38_000, 38_000]]


def test_reported_count_counts_an_incident_once_per_currency() -> None:
    moves = movements(facts(*history()), Measure.REPORTED_COUNT, Basis.OCCURRED)
    (grid,) = build(moves, QUARTERS)
    assert grid.cells == [[1, 1, 1, 1]]


def test_a_history_loaded_later_develops_over_its_real_periods_on_the_occurred_basis() -> None:
    # given the whole history recorded in one go in 2024Q4
    loaded = facts(*history(), recorded=day(2024, 11))
    # when each basis lays it out
    occurred = build(movements(loaded, Measure.PAID, Basis.OCCURRED), QUARTERS)
    recorded = build(movements(loaded, Measure.PAID, Basis.RECORDED), QUARTERS)
    # then by occurred_at it developed over Q2 and Q3; the ledger knew it only in Q4
    assert occurred[0].cells == [[0, 10_000, 33_000, 33_000]]
    assert recorded[0].cells == [[0, 0, 0, 33_000]]


def test_cells_after_the_valuation_are_unknown_and_later_origins_are_shorter() -> None:
    envelopes = [*history(), report("INC-2", day(2024, 7)), loss("INC-2", day(2024, 7), 9_000)]
    shape = Shape(origin=Period.QUARTER, development=Period.QUARTER, valuation=day(2024, 9, 30))
    first, second = (facts(*envelopes[:5]), facts(*envelopes[5:]))
    moves = [*movements(first, Measure.INCURRED, Basis.OCCURRED),
             *movements(second, Measure.INCURRED, Basis.OCCURRED)]  # fmt: skip
    (grid,) = build(moves, shape)
    assert grid.cells == [[50_000, 40_000, 38_000], [0, 0, None], [9_000, None, None]]


def test_a_development_period_longer_than_the_origin_is_refused() -> None:
    with pytest.raises(ValueError, match="development"):
        Builder(Shape(origin=Period.MONTH, development=Period.YEAR, valuation=day(2024, 1)))


def test_dates_of_loss_outside_from_and_to_are_left_out() -> None:
    shape = Shape(valuation=day(2024, 12, 31), loss_from=date(2024, 3, 1))
    assert build(movements(facts(*history()), Measure.PAID, Basis.OCCURRED), shape) == []


def test_the_answer_prints_amounts_in_the_currency_precision_with_factors() -> None:
    (grid,) = build(movements(facts(*history()), Measure.PAID, Basis.OCCURRED), QUARTERS)
    t = currency_triangle(grid, QUARTERS, Measure.PAID, factors=True)
    assert t.ages_months == [3, 6, 9, 12]
    assert t.rows[0].cells == ["0.00", "100.00", "330.00", "330.00"]
    assert t.factors == [None, "3.300000000000", "1.000000000000"]
    assert (t.rows[0].ultimate, t.rows[0].ultimate_minor) == ("330.00", 33_000)
    answer = TriangleAnswer(measure=Measure.PAID, basis=Basis.OCCURRED, origin=Period.QUARTER,
                            development=Period.QUARTER, valuation=QUARTERS.valuation,
                            triangles=[t])  # fmt: skip
    lines = list(csv_rows(answer))
    assert lines[3] == ["currency", "origin", "3", "6", "9", "12", "ultimate"]
    assert lines[4] == ["EUR", "2024Q1", "0.00", "100.00", "330.00", "330.00", "330.00"]


def test_the_spreadsheet_adds_a_bold_total_line_of_each_age_and_the_ultimates() -> None:
    """Given Q1 paying 0, 100, 330, 330 EUR and Q2 paying 50 then 80, when the triangle is
    laid out for a spreadsheet, then after the origins a bold total line sums each age over
    the origins that reached it, and the ultimates; the CSV keeps its lines."""
    more = [report("INC-2", day(2024, 5)), claim("INC-2", day(2024, 6), paid_minor=5_000),
            claim("INC-2", day(2024, 8), paid_minor=8_000)]  # fmt: skip
    moved = [m for book in (history(), more)
             for m in movements(facts(*book), Measure.PAID, Basis.OCCURRED)]  # fmt: skip
    grids = build(moved, QUARTERS)
    t = currency_triangle(grids[0], QUARTERS, Measure.PAID, factors=True)
    assert [r.cells for r in t.rows] == [["0.00", "100.00", "330.00", "330.00"],
                                         ["50.00", "80.00", "80.00", None]]  # fmt: skip
    whole = f"{(t.rows[0].ultimate_minor or 0) + (t.rows[1].ultimate_minor or 0)}"
    ultimate = f"{whole[:-2]}.{whole[-2:]}"
    assert total_line(t, Measure.PAID) == [
        "EUR", "TOTAL", "50.00", "180.00", "410.00", "330.00", ultimate]  # fmt: skip
    answer = TriangleAnswer(measure=Measure.PAID, basis=Basis.OCCURRED, origin=Period.QUARTER,
                            development=Period.QUARTER, valuation=QUARTERS.valuation,
                            triangles=[t])  # fmt: skip
    laid = list(xlsx_rows(answer))
    assert laid[6] == (["EUR", "TOTAL", 50.0, 180.0, 410.0, 330.0, float(whole) / 100], True)
    assert laid[7][0][1] == "factors"
    assert not any(line[1:2] == ["TOTAL"] for line in csv_rows(answer))


# The cross-check: a simulated two-year book against chainladder.


def simulated_book(seed: int = 23) -> list[Fact]:
    """Two years of incidents whose claims pay out and re-reserve over several quarters."""
    rng, out, position = random.Random(seed), [], 0
    for n in range(120):
        detected = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(0, 730))
        incident, at = f"INC-{n}", detected
        envelopes = [
            report(incident, detected),
            loss(incident, detected, rng.randrange(10**4, 10**7)),
        ]
        at += timedelta(days=rng.randrange(0, 60))
        envelopes.append(claim(incident, at, opened=True, reserve_minor=rng.randrange(0, 10**6)))
        paid = 0
        for _ in range(rng.randrange(1, 7)):
            at += timedelta(days=rng.randrange(20, 150))
            paid += rng.randrange(0, 10**6)
            reserve = rng.randrange(0, 10**6)
            envelopes.append(claim(incident, at, paid_minor=paid, reserve_minor=reserve))
        for e in envelopes:
            position += 1
            out.append(Fact(position, position, e.occurred_at, e))
    return out


def _chainladder(grid: Any, shape: Shape) -> tuple[list[float], list[float]]:
    cl = pytest.importorskip("chainladder")
    import pandas as pd

    rows = []
    for i, cells in enumerate(grid.cells):
        start = (grid.first + i) * 3
        for k, value in enumerate(cells):
            if value is not None:
                end = start + (k + 1) * 3 - 1
                valued = pd.Timestamp(end // 12, end % 12 + 1, 1) + pd.offsets.MonthEnd(0)
                rows.append({"origin": pd.Timestamp(start // 12, start % 12 + 1, 1),
                             "valuation": valued, "amount": value / 100})  # fmt: skip
    tri = cl.Triangle(pd.DataFrame(rows), origin="origin", development="valuation",
                      columns=["amount"], cumulative=True)  # fmt: skip
    factors = cl.Development(average="volume").fit(tri).ldf_.values[0, 0, 0].tolist()
    ultimates = cl.Chainladder().fit(tri).ultimate_.values[0, 0, :, -1].tolist()
    return factors, ultimates


@pytest.mark.parametrize("measure", [Measure.PAID, Measure.INCURRED])
def test_factors_and_ultimates_match_chainladder_to_the_cent(measure: Measure) -> None:
    # given a two-year book valued at the end of 2025, by quarter
    book, shape = simulated_book(), Shape(valuation=datetime(2025, 12, 31, 23, tzinfo=UTC))
    by_incident: dict[str, list[Fact]] = {}
    for fact in book:
        by_incident.setdefault(fact.incident_id, []).append(fact)
    moves = [m for fs in by_incident.values() for m in movements(fs, measure, Basis.OCCURRED)]
    (grid,) = build(moves, shape)
    assert len(grid.cells) == 8
    # when chainladder develops the same triangle
    theirs_factors, theirs_ultimates = _chainladder(grid, shape)
    ladder = chain_ladder(grid)
    # then the age-to-age factors and every origin's ultimate agree, to the cent
    ours = [float(f) if f is not None else 1.0 for f in ladder.factors]
    assert ours == pytest.approx(theirs_factors, rel=1e-12)
    assert ladder.ultimates == [round(u * 100) for u in theirs_ultimates]
