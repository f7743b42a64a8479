"""The desk pages' pure parts. Given loss rows, the charts sum incurred amounts per
currency and group, scale bars to the largest and show amounts at the currency's
precision; given any token form, the admin page either makes the API's request of it or
refuses it with a validation error; given the read models' position as it moves, the
board's stream says ``ready`` once, then ``moved`` on each change only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.datastructures import State
from litestar.exceptions import ValidationException

from ledger_api.console import admin_page, board_page
from ledger_api.console.loss_chart import WIDTH, Sums, chart
from ledger_api.routes.tokens import NewToken
from projector.domain.loss_run import Line

pytestmark = pytest.mark.unit


def _line(month: int, kind: str, incurred: int, currency: str = "CNY") -> Line:
    return Line(
        incident_id="I-1", claim_number="C-1", loss_ids=(), kind=kind, location_code="SH-01",
        date_of_loss=datetime(2026, month, 3, tzinfo=UTC), date_reported=None, claimant="",
        carrier="Ping An", policy_number="P-1", coverage="", status="open", days_unclaimed=None,
        recorded_loss_minor=0, paid_minor=0, reserve_minor=0, incurred_minor=incurred,
        recovered_minor=0, net_incurred_minor=incurred, currency=currency,
    )  # fmt: skip


def test_the_charts_sum_per_currency_and_group() -> None:
    sums = Sums(("month", "kind"))
    for row in (_line(11, "fire", 100), _line(10, "flood", 300), _line(11, "fire", 50),
                _line(11, "fire", 7, "JPY")):  # fmt: skip
        sums.add(row)
    months, kinds = sums.charts("month"), sums.charts("kind")
    assert [c.currency for c in months] == ["CNY", "JPY"]
    assert [(b.label, b.shown) for b in months[0].bars] == [
        ("2026-10", "3.00"),
        ("2026-11", "1.50"),
    ]
    assert [(b.label, b.shown) for b in kinds[0].bars] == [("flood", "3.00"), ("fire", "1.50")]
    assert [b.shown for b in kinds[1].bars] == ["7"]  # yen: no minor unit shown


@given(st.dictionaries(st.text(max_size=5), st.integers(-(10**12), 10**12), max_size=20))
def test_bars_fit_the_drawing_scaled_to_the_largest(sums: dict[str, int]) -> None:
    drawn = chart("CNY", sums, by_size=True)
    assert len(drawn.bars) == len(sums)
    assert all(0 <= b.width <= WIDTH - drawn.bar_x for b in drawn.bars)
    if any(sums.values()):
        assert max(b.width for b in drawn.bars) == pytest.approx(WIDTH - 150 - 130)


@given(st.dictionaries(st.sampled_from(["role", "name", "sources", "organisation_id",
                                        "site_id", "other"]), st.text(max_size=30)))  # fmt: skip
def test_any_token_form_is_the_apis_request_or_refused(form: dict[str, str]) -> None:
    try:
        made = admin_page._new_token(form)
    except ValidationException:
        return
    assert isinstance(made, NewToken)
    assert made.name == form["name"].strip()
    assert all(s and s == s.strip() for s in made.sources)


class _Positions:
    def __init__(self, seen: list[int]) -> None:
        self.seen = seen

    async def current(self, pool: object) -> dict[str, int]:
        return {"projection": self.seen.pop(0) if len(self.seen) > 1 else self.seen[0]}


async def _first(events: AsyncIterator[Any], n: int) -> list[tuple[str | None, Any]]:
    out = []
    async for event in events:
        out.append((event.event, event.data))
        if len(out) == n:
            break
    return out


async def test_the_stream_says_ready_then_each_move(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(board_page, "TICK", 0)
    positions = _Positions([5, 5, 5, 7, 7, 9, 3])
    state = State({"positions": positions, "read_pool": object()})
    request = SimpleNamespace(app=SimpleNamespace(state=state))
    heard = await _first(board_page.moves(request), 4)  # type: ignore[arg-type]
    assert heard == [("ready", 5), ("moved", 7), ("moved", 9), ("moved", 3)]
