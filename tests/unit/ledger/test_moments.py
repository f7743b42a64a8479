"""Date-time and date query parameters mean one thing: RFC 3339 with an offset (or
YYYY-MM-DD), from 1900 on, and an ``as of`` no later than a few minutes from now. Whatever
a caller writes is either that or a 400 naming the parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_api import moments
from ledger_api.paging import BadParameter

pytestmark = pytest.mark.unit


def _refused(call: object, name: str, text: str) -> str:
    with pytest.raises(BadParameter) as caught:
        call(name, text)  # type: ignore[operator]
    assert caught.value.extra == {"parameter": name}
    return str(caught.value.detail)


@pytest.mark.parametrize(
    "text",
    ["0.5", "0", "1700000000", "2026-11-22", "2026-11-22T08:00:00", "2026-11-22 08:00:00Z",
     "2026-11-22T08:00:00 08:00", "2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z", "now",
     "2026-11-22T08:00Z", "+2026-11-22T08:00:00Z", "２０２６-11-22T08:00:00Z"],
)  # fmt: skip
def test_given_anything_but_rfc_3339_then_the_parameter_is_named(text: str) -> None:
    detail = _refused(moments.as_of, "as_of", text)
    assert "'as_of'" in detail
    assert "RFC 3339" in detail or "exists" in detail


def test_given_an_encoded_plus_lost_then_the_error_says_how_to_write_it() -> None:
    assert "%2B" in _refused(moments.bound, "since", "2026-11-22T08:00:00 08:00")


def test_given_rfc_3339_then_the_instant_keeps_its_offset() -> None:
    at = moments.as_of("as_of", "2020-02-29t23:59:59.123456789z")
    assert at == datetime(2020, 2, 29, 23, 59, 59, 123456, tzinfo=UTC)
    east = moments.bound("since", "2026-11-22T08:00:00+08:00")
    assert east == datetime(2026, 11, 22, 0, 0, tzinfo=UTC)


def test_when_as_of_lies_beyond_the_skew_or_before_1900_then_it_is_refused() -> None:
    soon = datetime.now(UTC) + moments.SKEW - timedelta(seconds=30)
    assert moments.as_of("as_of", soon.isoformat()) == soon
    for text in ("2100-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "0001-01-01T00:00:00+01:00"):
        assert "between 1900" in _refused(moments.as_of, "as_of", text)
    assert moments.bound("due_before", "2100-01-01T00:00:00Z") is not None
    assert "between 1900" in _refused(moments.bound, "due_before", "9999-12-31T23:59:59-01:00")


def test_dates_are_written_yyyy_mm_dd_and_valued_no_later_than_today() -> None:
    assert moments.as_of_day("valuation_date", "2024-02-29") == date(2024, 2, 29)
    for text in ("1700000000", "2024-2-29", "2023-02-29", "2024-02-29T00:00:00Z", "2100-01-01"):
        _refused(moments.as_of_day, "valuation_date", text)
    assert moments.bound_day("from", "2100-01-01") == date(2100, 1, 1)
    _refused(moments.bound_day, "to", "1899-12-31")


@given(st.text(max_size=40))
def test_any_text_is_an_instant_in_range_or_a_400_naming_the_parameter(text: str) -> None:
    try:
        at = moments.as_of("as_of", text)
    except BadParameter as refused:
        named = refused.extra
    else:
        named = {"parameter": "as_of"}
        assert at is not None
        assert at.tzinfo is not None
        assert moments.EARLIEST <= at <= datetime.now(UTC) + moments.SKEW
    assert named == {"parameter": "as_of"}


_OFFSETS = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2026, 1, 1),
                    timezones=_OFFSETS))  # fmt: skip
def test_every_rfc_3339_instant_since_1900_reads_back_as_itself(at: datetime) -> None:
    assert moments.as_of("as_of", at.isoformat(timespec="microseconds")) == at
