"""The loss run's rows and totals as cells: text for CSV, typed for XLSX (dates as dates,
amounts as the doubles nearest their exact decimals, :func:`contracts.money.cell`), an
object for JSON (decimal strings, the minor
units beside them). One set of columns, :data:`projector.views.lossrun.COLUMNS`, in order.

Totals come after the rows, in the same columns: per currency (``incident_id`` ``TOTAL``),
then per currency, carrier and policy (``TOTAL BY CARRIER AND POLICY``); ``claim_number``
holds the count of claims, ``loss_ids`` the count of unclaimed losses.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from contracts import money
from projector.domain.loss_run import UNCLAIMED, Line
from projector.views.lossrun import AMOUNTS, COLUMNS
from projector.views.tabular import day_number

TOTAL, BY_CARRIER = "TOTAL", "TOTAL BY CARRIER AND POLICY"
_COUNTS = ("rows", "claims", "unclaimed")
_WIDTH = len(_COUNTS) + len(AMOUNTS)  # a totals row: the counts, then the sums


def amounts(row: Line) -> list[int]:
    return [
        row.recorded_loss_minor, row.paid_minor, row.reserve_minor, row.incurred_minor,
        row.recovered_minor, row.net_incurred_minor,
    ]  # fmt: skip


def _typed(row: Line) -> list[Any]:
    """The row before formatting: dates, counts and amounts still minor-unit integers."""
    return [
        row.incident_id, row.claim_number, ", ".join(row.loss_ids), _day(row.date_of_loss),
        _day(row.date_reported), row.kind or "", row.location_code or "", row.claimant,
        row.carrier, row.policy_number, row.coverage, row.status, row.days_unclaimed,
    ]  # fmt: skip


def cells(row: Line) -> tuple[Any, ...]:
    """A row as CSV cells: amounts in currency units, exactly as many places as the currency;
    absent values ``None`` (an empty cell). Built in one pass: the CSV of a long run calls it
    for every row."""
    shown, lost, reported, days = (
        money.formatter(row.currency),
        row.date_of_loss,
        row.date_reported,
        row.days_unclaimed,
    )
    return (
        row.incident_id, row.claim_number, ", ".join(row.loss_ids),
        lost.date().isoformat() if lost else None,
        reported.date().isoformat() if reported else None, row.kind, row.location_code,
        row.claimant, row.carrier, row.policy_number, row.coverage, row.status,
        None if days is None else str(days),
        shown(row.recorded_loss_minor), shown(row.paid_minor), shown(row.reserve_minor),
        shown(row.incurred_minor), shown(row.recovered_minor), shown(row.net_incurred_minor),
        row.currency,
    )  # fmt: skip


def xlsx_cells(row: Line) -> list[Any]:
    """A row for a spreadsheet: dates as day numbers (:func:`tabular.day_number`, shown in
    :data:`tabular.DATE`), amounts as numbers (the last seven cells: the amounts, then the
    currency). Built in one pass: the XLSX of a long run calls it for every row."""
    number, lost, reported = money.cell(row.currency), row.date_of_loss, row.date_reported
    return [
        row.incident_id, row.claim_number, ", ".join(row.loss_ids),
        day_number(lost) if lost else None, day_number(reported) if reported else None,
        row.kind or "", row.location_code or "", row.claimant, row.carrier,
        row.policy_number, row.coverage, row.status, row.days_unclaimed,
        number(row.recorded_loss_minor), number(row.paid_minor), number(row.reserve_minor),
        number(row.incurred_minor), number(row.recovered_minor),
        number(row.net_incurred_minor), row.currency,
    ]  # fmt: skip


def json_row(row: Line) -> dict[str, Any]:
    """A row as JSON: the columns (amounts as decimal strings), then ``<amount>_minor``."""
    typed = _typed(row)  # dates encode as ISO days, as in CSV
    figures = amounts(row)
    shown = [money.units(a, row.currency) for a in figures]
    out = dict(zip(COLUMNS, [*typed, *shown, row.currency], strict=True))
    out.update((f"{name}_minor", a) for name, a in zip(AMOUNTS, figures, strict=True))
    return out


def _day(at: datetime | None) -> date | None:
    return at.date() if at else None


class Totals:
    """Totals per currency and per (currency, carrier, policy), kept while rows stream past:
    counts of rows, claims and unclaimed losses, then the sums of :data:`AMOUNTS`."""

    def __init__(self) -> None:
        self.by_currency: dict[str, list[int]] = {}
        self.by_carrier: dict[tuple[str, str, str], list[int]] = {}

    def add(self, row: Line) -> None:
        unclaimed = row.status == UNCLAIMED
        cur = row.currency
        group = (cur, row.carrier, row.policy_number)
        if (by_currency := self.by_currency.get(cur)) is None:
            by_currency = self.by_currency[cur] = [0] * _WIDTH
        if (by_carrier := self.by_carrier.get(group)) is None:
            by_carrier = self.by_carrier[group] = [0] * _WIDTH
        for acc in (by_currency, by_carrier):
            acc[0] += 1
            acc[2 if unclaimed else 1] += 1
            acc[3] += row.recorded_loss_minor
            acc[4] += row.paid_minor
            acc[5] += row.reserve_minor
            acc[6] += row.incurred_minor
            acc[7] += row.recovered_minor
            acc[8] += row.net_incurred_minor

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {cur: _json(cur, acc) for cur, acc in sorted(self.by_currency.items())}

    def by_carrier_json(self) -> list[dict[str, Any]]:
        return [
            {"currency": cur, "carrier": carrier, "policy_number": policy, **_json(cur, acc)}
            for (cur, carrier, policy), acc in sorted(self.by_carrier.items())
        ]

    def lines(self) -> Iterator[tuple[str, str, str, str, list[int]]]:
        """(label, currency, carrier, policy, figures) for every totals row, in order."""
        for cur, acc in sorted(self.by_currency.items()):
            yield TOTAL, cur, "", "", acc
        for (cur, carrier, policy), acc in sorted(self.by_carrier.items()):
            yield BY_CARRIER, cur, carrier, policy, acc

    def cells(self) -> Iterator[list[Any]]:
        for label, cur, carrier, policy, acc in self.lines():
            figures = [money.units(a, cur) for a in acc[3:]]
            yield [*_total_head(label, carrier, policy, acc), *figures, cur]

    def xlsx_cells(self) -> Iterator[tuple[list[Any], str]]:
        """Each totals row with its currency (for the number format)."""
        for label, cur, carrier, policy, acc in self.lines():
            number = money.cell(cur)
            yield [*_total_head(label, carrier, policy, acc), *map(number, acc[3:]), cur], cur


def _total_head(label: str, carrier: str, policy: str, acc: list[int]) -> list[Any]:
    """A totals row's first columns: label, claims, unclaimed losses, carrier and policy."""
    return [label, acc[1], acc[2], *[""] * 5, carrier, policy, "", "", ""]


def _json(currency: str, acc: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = dict(zip(_COUNTS, acc[:3], strict=True))
    for name, amount in zip(AMOUNTS, acc[3:], strict=True):
        out[name], out[f"{name}_minor"] = money.units(amount, currency), amount
    return out
