"""Stories for the complete loss run: every recorded loss appears, claimed or not, and every
amount is exact in its currency's minor units, in every format and in the totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from contracts import builders as b
from contracts.envelope import Envelope
from contracts.levels import Basis, ClaimStatus, LossCategory
from projector.domain import loss_run, losses
from projector.views import lossrun, lossrun_cells
from tests.unit.projector.test_losses import ENV, POLICY, at, claim, facts, loss, report, revise

pytestmark = pytest.mark.unit

DAY = 24 * 60


def uninsured(minute: float, loss_id: str, amount: int, currency: str = "CNY") -> Envelope:
    return b.record_loss(loss_id=loss_id, category=LossCategory.BUSINESS_INTERRUPTION,
                         amount_minor=amount, currency=currency, basis=Basis.ESTIMATE,
                         insurer="Allianz", policy_ref="BI-1", occurred_at=at(minute),
                         **ENV)  # fmt: skip


def run_at(minute: float, *envelopes: Envelope) -> list[loss_run.Line]:
    return loss_run.lines(losses.as_of(facts(*envelopes), at(minute)), at(minute))


def test_an_unclaimed_loss_appears_with_the_days_since_it_was_recorded() -> None:
    """Given a fire with a claimed property loss and a business-interruption loss nobody has
    claimed, when the run is valued three and a half days after that loss was recorded, then
    the claim covers its loss and the other loss is a row of its own, 3 days unclaimed."""
    story = (report(), loss(5, "a", 1_300_000), uninsured(10, "bi", 70_000),
             claim(60, ClaimStatus.OPEN, paid_minor=100_000, reserve_minor=50_000))  # fmt: skip
    claimed, unclaimed = run_at(10 + 3.5 * DAY, *story)
    assert (claimed.claim_number, claimed.loss_ids, claimed.status) == ("CLM-1", ("a",), "open")
    assert (claimed.recorded_loss_minor, claimed.incurred_minor) == (1_300_000, 150_000)
    assert (claimed.days_unclaimed, claimed.carrier, claimed.policy_number) == (
        None,
        "PICC",
        POLICY,
    )
    assert (unclaimed.claim_number, unclaimed.loss_ids, unclaimed.status) == (
        "",
        ("bi",),
        "unclaimed",
    )
    assert (unclaimed.carrier, unclaimed.policy_number, unclaimed.coverage) == (
        "Allianz", "BI-1", "business_interruption")  # fmt: skip
    assert (unclaimed.days_unclaimed, unclaimed.recorded_loss_minor, unclaimed.incurred_minor) == (
        3, 70_000, 0)  # fmt: skip
    assert (unclaimed.date_of_loss, unclaimed.date_reported) == (at(-3), None)


def test_a_loss_is_unclaimed_until_its_claim_is_recorded() -> None:
    """Given a loss and, a day later, the claim under its policy, when the run is valued
    before and after the claim, then the loss is first unclaimed, then covered."""
    story = (report(), loss(5, "a", 1_300_000), claim(DAY, reserve_minor=900_000))
    [before] = run_at(DAY - 1, *story)
    [after] = run_at(DAY, *story)
    assert (before.status, before.days_unclaimed, before.recorded_loss_minor) == (
        "unclaimed", 0, 1_300_000)  # fmt: skip
    assert (after.status, after.loss_ids, after.reserve_minor) == ("open", ("a",), 900_000)


def test_a_revision_that_names_no_policy_keeps_the_loss_claimed() -> None:
    """Given a claimed loss revised (the revision restating the amount only), then the claim
    still covers it, at the revised figure."""
    story = (
        report(),
        loss(5, "a", 1_300_000),
        claim(60, reserve_minor=1),
        revise(90, "a", 1_250_000),
    )
    [row] = run_at(100, *story)
    assert (row.claim_number, row.loss_ids, row.recorded_loss_minor) == ("CLM-1", ("a",), 1_250_000)


CURRENCIES = [  # (currency, minor units of the loss, as shown)
    ("JPY", 1_234_567, "1234567"),
    ("KWD", 1_000, "1.000"),
    ("XOF", 500, "500"),
    ("CNY", 123_456, "1234.56"),
    ("EUR", 5, "0.05"),
]


@pytest.mark.parametrize(("currency", "minor", "shown"), CURRENCIES)
def test_amounts_are_exact_in_every_format_and_in_the_totals(
    currency: str, minor: int, shown: str
) -> None:
    """Given two unclaimed losses in one currency, when the run is rendered, then CSV, XLSX
    and JSON show each amount with the currency's own places, and the totals add up exactly."""
    rows = run_at(60, report(), loss(5, "a", minor, currency), loss(6, "b", minor, currency))
    totals = lossrun_cells.Totals()
    for row in rows:
        totals.add(row)
    recorded = lossrun.COLUMNS.index("recorded_loss")
    csv = lossrun_cells.cells(rows[0])
    assert (csv[recorded], csv[recorded + 1], csv[-1]) == (shown, zero(currency), currency)
    assert lossrun_cells.xlsx_cells(rows[0])[recorded] == float(Decimal(shown))
    as_json = msgspec.json.decode(msgspec.json.encode(lossrun_cells.json_row(rows[0])))
    assert (as_json["recorded_loss"], as_json["recorded_loss_minor"]) == (shown, minor)
    double = Decimal(shown) * 2
    [total, by_policy] = list(totals.cells())
    assert (total[0], total[recorded]) == ("TOTAL", str(double))
    assert by_policy[:1] + by_policy[8:10] == ["TOTAL BY CARRIER AND POLICY", "PICC", POLICY]
    [(xlsx_total, _), _] = list(totals.xlsx_cells())
    assert xlsx_total[recorded] == float(double)
    summed = totals.as_json()[currency]
    assert (summed["recorded_loss"], summed["recorded_loss_minor"]) == (str(double), 2 * minor)
    assert (summed["rows"], summed["claims"], summed["unclaimed"]) == (2, 0, 2)


def zero(currency: str) -> str:
    return {"JPY": "0", "XOF": "0", "KWD": "0.000"}.get(currency, "0.00")


def test_totals_by_carrier_and_policy_per_currency() -> None:
    """Given a claim under one policy and an unclaimed loss under another, then each has its
    own carrier-and-policy total and the currency total holds both."""
    rows = run_at(100, report(), loss(5, "a", 1_000), uninsured(6, "bi", 300),
                  claim(60, reserve_minor=700))  # fmt: skip
    totals = lossrun_cells.Totals()
    for row in rows:
        totals.add(row)
    groups: list[dict[str, Any]] = totals.by_carrier_json()
    assert [(g["carrier"], g["policy_number"], g["claims"], g["unclaimed"]) for g in groups] == [
        ("Allianz", "BI-1", 0, 1), ("PICC", POLICY, 1, 0)]  # fmt: skip
    assert [g["recorded_loss"] for g in groups] == ["3.00", "10.00"]
    cny = totals.as_json()["CNY"]
    assert (cny["recorded_loss"], cny["reserve"], cny["rows"]) == ("13.00", "7.00", 2)


def test_a_claims_row_takes_each_figure_into_its_own_field() -> None:
    """Given a claim whose every figure differs from the others, when its row is made, then
    each lands in the field of its name (the row is made by position, in the fields' order)."""
    when = {name: at(minute) for name, minute in (("lost", 1), ("opened", 2), ("updated", 3))}
    made = losses.Claim(
        claim_number="C", insurer="I", policy_number="P", status="open", currency="EUR",
        paid_minor=1, reserve_minor=2, recovered_minor=3, incurred_minor=4, net_minor=5,
        reported_at=when["opened"], updated_at=when["updated"], last_position=6, claimant="N",
    )  # fmt: skip
    book = losses.LossBook(incident_id="INC", loss_date=when["lost"], kind="fire",
                           location_code="L", claims={"C": made})  # fmt: skip
    [row] = loss_run.lines(book, when["updated"])
    assert msgspec.structs.asdict(row) == {
        "incident_id": "INC", "claim_number": "C", "loss_ids": (), "date_of_loss": when["lost"],
        "date_reported": when["opened"], "kind": "fire", "location_code": "L", "claimant": "N",
        "carrier": "I", "policy_number": "P", "coverage": "", "status": "open",
        "days_unclaimed": None, "recorded_loss_minor": 0, "paid_minor": 1, "reserve_minor": 2,
        "incurred_minor": 4, "recovered_minor": 3, "net_incurred_minor": 5, "currency": "EUR",
    }  # fmt: skip
