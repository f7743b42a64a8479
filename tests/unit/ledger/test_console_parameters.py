"""What a reader types into the console's forms. Given any text as a day (the incidents'
date range) or an instant (the as-of picker), then it is read as one or refused naming
its parameter, never anything else; and the time axis puts every obligation's bar inside
the picture, due after start, met where it was met."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_api.console.axis import LEFT, WIDTH, axis
from ledger_api.console.incident_list import _day
from ledger_api.console.incident_page import _as_of
from ledger_api.console.targets import targets
from ledger_api.paging import BadParameter
from plumbing.paths import shipped_packs_dir
from projector.domain import deadlines as engine

pytestmark = pytest.mark.unit
NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _read(read: Callable[[str], datetime | None], text: str) -> tuple[datetime | None, Any]:
    """What ``read`` makes of ``text``, or the ``extra`` of its refusal."""
    try:
        return read(text), None
    except BadParameter as refused:
        return None, refused.extra


@given(st.text(max_size=40))
def test_a_day_is_read_or_refused_by_name(text: str) -> None:
    found, refused = _read(lambda t: _day("since", t), text)
    assert refused in (None, {"parameter": "since"})
    assert found is None or found.tzinfo is UTC


@given(st.text(max_size=40) | st.datetimes().map(lambda d: d.isoformat()))
def test_an_instant_is_read_or_refused_by_name(text: str) -> None:
    found, refused = _read(_as_of, text)
    assert refused in (None, {"parameter": "as_of"})
    assert found is None or found.tzinfo is not None


def test_a_picker_instant_without_offset_is_utc() -> None:
    assert _as_of("2026-11-22T08:30") == datetime(2026, 11, 22, 8, 30, tzinfo=UTC)


hours = st.integers(min_value=-500, max_value=500).map(lambda h: NOW + timedelta(hours=h))


@given(st.lists(st.tuples(hours, st.integers(0, 400), st.booleans()), min_size=1, max_size=8))
def test_every_bar_lies_inside_the_axis(spans: list[tuple[datetime, int, bool]]) -> None:
    obligations = [
        {"anchor_at": start, "due_at": start + timedelta(hours=length),
         "satisfied_at": start if met else None, "state": "met" if met else "pending",
         "title": "t"}
        for start, length, met in spans
    ]  # fmt: skip
    drawn = axis(obligations, NOW)
    assert drawn is not None
    for bar in drawn.bars:
        assert LEFT <= bar.x0 <= bar.x1 <= WIDTH
        assert bar.met is None or bar.met == bar.x0
    assert drawn.now is not None
    assert LEFT <= drawn.now <= WIDTH


def test_no_obligation_draws_no_axis() -> None:
    assert axis([], NOW) is None


def test_a_milestones_target_is_the_obligation_its_event_meets() -> None:
    packs = engine.load_packs(shipped_packs_dir())
    on_site = {"pack_id": "property", "rule": "on_site", "title": "Staff on site"}
    superior = {"pack_id": "property", "rule": "superior", "title": "Superior notified"}
    unknown = {"pack_id": "gone", "rule": "x", "title": "a pack no longer loaded"}
    aimed = targets([on_site, superior, unknown], packs)
    assert aimed["first_arrival_at"] == [on_site]
    assert aimed["first_superior_notified_at"] == [superior]
    assert aimed["closed_at"] == []
