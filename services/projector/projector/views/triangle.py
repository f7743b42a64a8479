"""Loss development triangles: cumulative figures by origin period (the date of loss) and
development age, per currency, with volume-weighted age-to-age factors and chain-ladder
ultimates.

Age 0 is the development period holding the start of the origin period; a cell is the sum
of the movements up to the end of its age's period, known for ages whose period has begun
by the valuation instant (later cells are None; movements dated after it are left out, as
not yet known; a movement dated before its origin period counts at age 0). The
development period may not be longer than the origin period. Factor ``k`` is
``Σ C(o, k+1) / Σ C(o, k)`` over the origins that reach age ``k+1`` from a non-zero
``C(o, k)`` (a link from nothing is no ratio: chainladder's rule too; None when there is
none, and then taken as 1); an origin's ultimate is its latest cell times the factors
from its age on (no tail), rounded half-even to a whole minor unit.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import date, datetime
from fractions import Fraction

import msgspec

from projector.domain.development import Movement

__all__ = ["Builder", "Grid", "Period", "Shape", "build", "chain_ladder", "label"]


class Period(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


class Shape(msgspec.Struct, frozen=True, kw_only=True):
    origin: Period = Period.QUARTER
    development: Period = Period.QUARTER
    valuation: datetime
    loss_from: date | None = None  # dates of loss on or after
    loss_to: date | None = None  # on or before


class Grid(msgspec.Struct, frozen=True, kw_only=True):
    """One currency's cumulative triangle: ``cells[i][k]`` for origin ``first + i``."""

    currency: str
    first: int  # the first origin's index (months since year 0 / the origin's length)
    cells: list[list[int | None]]


class Ladder(msgspec.Struct, frozen=True, kw_only=True):
    factors: list[Fraction | None]
    ultimates: list[int]  # per origin, scaled as the cells (minor units, or counts × scale)


def month_index(at: datetime | date) -> int:
    return at.year * 12 + at.month - 1


def label(index: int, period: Period) -> str:
    """``2025-03``, ``2025Q1`` or ``2025`` for an origin's index."""
    year, rest = divmod(index * MONTHS[period], 12)
    if period is Period.MONTH:
        return f"{year}-{rest + 1:02d}"
    return f"{year}Q{rest // 3 + 1}" if period is Period.QUARTER else str(year)


def ages_in_months(grid: Grid, development: Period) -> list[int]:
    """Each column's age at the end of its period, in months (3, 6, 9… by quarter)."""
    width = len(grid.cells[0]) if grid.cells else 0
    return [(k + 1) * MONTHS[development] for k in range(width)]


class _Frame:
    """Index arithmetic of one shape."""

    def __init__(self, shape: Shape) -> None:
        self.o, self.d = MONTHS[shape.origin], MONTHS[shape.development]
        self.last = month_index(shape.valuation) // self.d

    def origin(self, loss_date: datetime) -> int:
        return month_index(loss_date) // self.o

    def start(self, origin: int) -> int:
        return origin * self.o // self.d

    def reach(self, origin: int) -> int:
        return self.last - self.start(origin)


class Builder:
    """Movements summed by currency, origin and age as they stream past."""

    def __init__(self, shape: Shape) -> None:
        if MONTHS[shape.development] > MONTHS[shape.origin]:
            raise ValueError("development")
        self.shape, self.frame, self.keep = shape, _Frame(shape), _keeper(shape)
        self.deltas: dict[str, dict[int, dict[int, int]]] = {}

    def add(self, m: Movement) -> None:
        if m.at > self.shape.valuation or not self.keep(m.loss_date):
            return
        frame = self.frame
        origin = month_index(m.loss_date) // frame.o
        start = origin * frame.o // frame.d
        age = max(month_index(m.at) // frame.d - start, 0)
        if age > frame.last - start:
            return
        cells = self.deltas.setdefault(m.currency, {}).setdefault(origin, {})
        cells[age] = cells.get(age, 0) + m.delta

    def grids(self) -> list[Grid]:
        """The cumulative triangles, one per currency, by currency code."""
        grids, frame = [], self.frame
        for currency, by_origin in sorted(self.deltas.items()):
            first, final = min(by_origin), max(by_origin)
            width = frame.reach(first) + 1
            rows = [
                _cumulate(by_origin.get(o, {}), frame.reach(o), width)
                for o in range(first, final + 1)
            ]
            grids.append(Grid(currency=currency, first=first, cells=rows))
        return grids


def build(movements: Iterable[Movement], shape: Shape) -> list[Grid]:
    """The cumulative triangles of ``movements``, one per currency, by currency code."""
    builder = Builder(shape)
    for m in movements:
        builder.add(m)
    return builder.grids()


def _keeper(shape: Shape) -> Callable[[datetime], bool]:
    low, high = shape.loss_from, shape.loss_to
    if low is None and high is None:
        return lambda _: True
    return lambda at: (low is None or at.date() >= low) and (high is None or at.date() <= high)


def _cumulate(deltas: dict[int, int], reach: int, width: int) -> list[int | None]:
    row: list[int | None] = []
    running = 0
    for age in range(width):
        running += deltas.get(age, 0)
        row.append(running if age <= reach else None)
    return row


def chain_ladder(grid: Grid, scale: int = 1) -> Ladder:
    """Volume-weighted age-to-age factors and each origin's ultimate (× ``scale``)."""
    width = len(grid.cells[0]) if grid.cells else 0
    factors: list[Fraction | None] = []
    for k in range(width - 1):
        pairs = [(r[k], r[k + 1]) for r in grid.cells if r[k + 1] is not None and r[k]]
        below = sum(a or 0 for a, _ in pairs)
        factors.append(Fraction(sum(b or 0 for _, b in pairs), below) if below else None)
    ultimates = []
    for row in grid.cells:
        age = max(k for k, c in enumerate(row) if c is not None)
        growth = Fraction(row[age] or 0) * scale
        for f in factors[age:]:
            growth *= f if f is not None else 1
        ultimates.append(round(growth))
    return Ladder(factors=factors, ultimates=ultimates)
