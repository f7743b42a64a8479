"""Triangles as readers get them: JSON (decimal strings in the currency's precision, with
minor units beside them), CSV rows, and XLSX rows (a total line per currency) with a header
sheet's lines, with factors and ultimates when asked for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import msgspec

from projector.domain.development import Basis, Measure
from projector.views.summaries import money
from projector.views.tabular import sheet_time
from projector.views.triangle import Grid, Period, Shape, ages_in_months, chain_ladder, label

COUNT_SCALE = 100  # a count's ultimate is given to two decimals
TOTAL = "TOTAL"


class OriginRow(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    origin: str
    cells: list[str | None]
    cells_minor: list[int | None]
    ultimate: str | None = None
    ultimate_minor: int | None = None


class CurrencyTriangle(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    currency: str
    ages_months: list[int]
    rows: list[OriginRow]
    factors: list[str | None] | None = None


class TriangleAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """Cumulative loss development triangles; ``_minor`` figures in minor units (counts for
    ``reported_count``, whose ultimates are in hundredths)."""

    measure: Measure
    basis: Basis
    origin: Period
    development: Period
    valuation: datetime
    loss_from: date | None = msgspec.field(name="from", default=None)
    loss_to: date | None = msgspec.field(name="to", default=None)
    triangles: list[CurrencyTriangle] = msgspec.field(default_factory=list)


def factor_text(f: Fraction | None) -> str | None:
    """A factor to 12 decimals (exact fraction rounded half-even)."""
    if f is None:
        return None
    return str((Decimal(f.numerator) / Decimal(f.denominator)).quantize(Decimal("1e-12")))


def _amount(value: int | None, currency: str, measure: Measure) -> str | None:
    if value is None:
        return None
    if measure is Measure.REPORTED_COUNT:
        return str(value)
    return money(value, currency).rsplit(" ", 1)[0]


def _ultimate(value: int, currency: str, measure: Measure) -> str:
    if measure is not Measure.REPORTED_COUNT:
        return money(value, currency).rsplit(" ", 1)[0]
    whole, hundredths = divmod(value, COUNT_SCALE)
    return f"{whole}.{hundredths:02d}"


def currency_triangle(
    grid: Grid, shape: Shape, measure: Measure, factors: bool
) -> CurrencyTriangle:
    cur = grid.currency
    ladder = (
        chain_ladder(grid, COUNT_SCALE if measure is Measure.REPORTED_COUNT else 1)
        if factors
        else None
    )
    rows = []
    for i, cells in enumerate(grid.cells):
        extra: dict[str, Any] = {}
        if ladder is not None:
            extra = {"ultimate": _ultimate(ladder.ultimates[i], cur, measure),
                     "ultimate_minor": ladder.ultimates[i]}  # fmt: skip
        rows.append(OriginRow(origin=label(grid.first + i, shape.origin),
                              cells=[_amount(c, cur, measure) for c in cells],
                              cells_minor=cells, **extra))  # fmt: skip
    return CurrencyTriangle(
        currency=cur,
        ages_months=ages_in_months(grid, shape.development),
        rows=rows,
        factors=[factor_text(f) for f in ladder.factors] if ladder is not None else None,
    )


def csv_rows(answer: TriangleAnswer, totals: bool = False) -> Iterator[list[Any]]:
    """A title block, then per currency: a header (ages in months), one line per origin
    (with its ultimate when factors are asked for), with ``totals`` a total line
    (:func:`total_line`), and a line of factors."""
    yield ["Loss development triangle", answer.measure.value, "basis", answer.basis.value]
    yield ["Valuation", answer.valuation.isoformat(), "origin", answer.origin.value,
           "development", answer.development.value]  # fmt: skip
    for t in answer.triangles:
        yield []
        with_factors = t.factors is not None
        yield [
            "currency",
            "origin",
            *map(str, t.ages_months),
            *(["ultimate"] if with_factors else []),
        ]
        for row in t.rows:
            tail = [row.ultimate or ""] if with_factors else []
            yield [t.currency, row.origin, *(c or "" for c in row.cells), *tail]
        if totals:
            yield total_line(t, answer.measure)
        if t.factors is not None:
            yield [t.currency, "factors", *(f or "" for f in t.factors)]


def total_line(t: CurrencyTriangle, measure: Measure) -> list[str]:
    """``TOTAL``: at each age the sum over the origins that have reached it, and the sum of
    the ultimates when they are given (the currency's whole ultimate)."""
    ages = [[row.cells_minor[j] for row in t.rows] for j in range(len(t.ages_months))]
    sums = [sum(c for c in cells if c is not None) if any(c is not None for c in cells)
            else None for cells in ages]  # fmt: skip
    out = [t.currency, TOTAL, *(_amount(v, t.currency, measure) or "" for v in sums)]
    if t.factors is not None:
        whole = sum(row.ultimate_minor or 0 for row in t.rows)
        out.append(_ultimate(whole, t.currency, measure))
    return out


def xlsx_rows(answer: TriangleAnswer) -> Iterator[tuple[list[Any], bool]]:
    """The CSV's rows and a total line per currency, figures as numbers (in currency units),
    and whether each is a header or total line (bold)."""
    for line in csv_rows(answer, totals=True):
        heading = bool(line) and line[0] in ("currency", "Loss development triangle", "Valuation")
        bold = heading or line[1:2] == [TOTAL]
        yield (line if heading else [*line[:2], *map(_number, line[2:])]), bold


def header_lines(answer: TriangleAnswer, insured: str) -> list[tuple[str, Any]]:
    """The XLSX header sheet's lines before the stamp: what the triangle is of."""
    return [
        ("Insured", insured),
        ("Measure", answer.measure.value),
        ("Basis", answer.basis.value),
        ("Origin", answer.origin.value),
        ("Development", answer.development.value),
        ("Dates of loss from", answer.loss_from or "any"),
        ("Dates of loss to", answer.loss_to or "any"),
        ("Valuation (UTC)", sheet_time(answer.valuation)),
    ]


def _number(cell: Any) -> Any:
    """A figure's text as a number; any other cell as it is."""
    try:
        return float(Decimal(cell)) if isinstance(cell, str) and cell[:1].isdigit() else cell
    except ArithmeticError:
        return cell
