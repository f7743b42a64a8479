"""The incident's obligations on a time axis, as SVG geometry: one row per obligation,
a bar from when its clock started to when it is due, a mark where it was met, and a line
for now. Pure: instants in, coordinates out (the template draws them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

WIDTH = 720
LEFT = 8
RIGHT = 8
ROW = 26
TOP = 28
TICKS = 5


class Bar(msgspec.Struct, frozen=True):
    y: float
    x0: float
    x1: float
    met: float | None
    state: str
    label: str


class Axis(msgspec.Struct, frozen=True):
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, datetime]]
    now: float | None


def _instant(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def axis(obligations: list[dict[str, Any]], now: datetime) -> Axis | None:
    """The geometry of ``obligations`` (dicts with ``anchor_at``, ``due_at``,
    ``satisfied_at``, ``state``, ``title``) around ``now``; None when there are none."""
    if not obligations:
        return None
    spans = [
        (_instant(o.get("anchor_at")), _instant(o["due_at"]), _instant(o.get("satisfied_at")))
        for o in obligations
    ]
    points = [p for span in spans for p in span if p is not None] + [now]
    start, end = min(points), max(points)
    length = max((end - start).total_seconds(), 1.0)
    usable = WIDTH - LEFT - RIGHT

    def x(at: datetime) -> float:
        return round(LEFT + usable * (at - start).total_seconds() / length, 1)

    bars = []
    for i, (o, (anchor, due, met)) in enumerate(zip(obligations, spans, strict=True)):
        assert due is not None  # every obligation has a due time
        bars.append(
            Bar(y=TOP + i * ROW, x0=x(anchor or due), x1=x(due), met=x(met) if met else None,
                state=str(o.get("state", "")), label=str(o.get("title", "")))
        )  # fmt: skip
    ticks = [(x(start + (end - start) * k / (TICKS - 1)), start + (end - start) * k / (TICKS - 1))
             for k in range(TICKS)]  # fmt: skip
    return Axis(WIDTH, TOP + len(bars) * ROW + 8, bars, ticks, x(now))
