"""The loss run summed for the console's charts, and a chart as the SVG draws it: one
horizontal bar per group (a month of loss, a kind, a site), in one currency, scaled to the
largest. Pure: rows in, numbers out; the template (``losses.html``) draws them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec

from contracts import money
from projector.domain.loss_run import Line

WIDTH, ROW, LABEL, FIGURE = 640, 24, 150, 130  # the drawing's units (px at 100%)
UNKNOWN = "—"
Grouping = Callable[[Line], str]
GROUPINGS: dict[str, Grouping] = {
    "month": lambda row: row.date_of_loss.strftime("%Y-%m") if row.date_of_loss else UNKNOWN,
    "kind": lambda row: row.kind or UNKNOWN,
    "site": lambda row: row.location_code or UNKNOWN,
}


class Bar(msgspec.Struct, frozen=True):
    label: str
    shown: str  # the amount in the currency's units
    y: int
    width: float


class Chart(msgspec.Struct, frozen=True):
    currency: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL
    bar_x: int = LABEL + 6
    figure_x: int = WIDTH - FIGURE + 12
    width: int = WIDTH


class Sums:
    """Incurred amounts per currency and group, for each grouping, kept as rows pass."""

    def __init__(self, groupings: Iterable[str]) -> None:
        self.sums: dict[str, dict[str, dict[str, int]]] = {g: {} for g in groupings}

    def add(self, row: Line) -> None:
        for name, per_currency in self.sums.items():
            groups = per_currency.setdefault(row.currency, {})
            key = GROUPINGS[name](row)
            groups[key] = groups.get(key, 0) + row.incurred_minor

    def charts(self, grouping: str) -> list[Chart]:
        """One chart per currency; months in order, other groups largest first."""
        found = self.sums[grouping]
        return [chart(cur, found[cur], by_size=grouping != "month") for cur in sorted(found)]


def chart(currency: str, sums: dict[str, int], *, by_size: bool) -> Chart:
    order = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]) if by_size else (kv[0], 0))
    largest = max((abs(v) for _, v in order), default=0) or 1
    room = WIDTH - LABEL - FIGURE
    shown = money.formatter(currency)
    bars = [
        Bar(label=name, shown=shown(value), y=i * ROW, width=round(room * abs(value) / largest, 1))
        for i, (name, value) in enumerate(order)
    ]
    return Chart(currency=currency, bars=bars, height=max(len(bars), 1) * ROW)
