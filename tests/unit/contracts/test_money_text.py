"""Money as text: every currency's amounts print exactly, whatever their size or sign."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import money

pytestmark = pytest.mark.unit


@given(st.integers(min_value=-(10**30), max_value=10**30), st.sampled_from(money.CODES))
def test_units_are_the_exact_decimal_with_the_currencys_places(minor: int, code: str) -> None:
    """Given any amount in minor units of any ISO 4217 currency, when it is shown, then the
    text is the exact decimal with exactly the currency's places, and reads back to it."""
    shown = money.units(minor, code)
    places = money.digits(code)
    with localcontext(prec=100):  # the check itself must not round
        assert Decimal(shown).scaleb(places) == minor
    assert shown == str(money.decimal(minor, code)) or places == 0
    assert len(shown.partition(".")[2]) == places


def test_a_currencys_formatter_is_built_once() -> None:
    """Given a long run in one currency, then every row shares the one formatter."""
    assert money.formatter("KWD") is money.formatter("KWD")
    assert money.formatter("KWD")(-1) == "-0.001"
    assert money.formatter("JPY")(-1200) == "-1200"


@given(st.integers(min_value=-(10**30), max_value=10**30), st.sampled_from(money.CODES))
def test_a_cell_holds_the_double_nearest_the_exact_amount(minor: int, code: str) -> None:
    """Given any amount of any currency, when it is put in a spreadsheet's cell, then the
    number is the double that the exact decimal reads as (the writer's own conversion), so
    that a cell shows what the CSV and the JSON show."""
    assert money.cell(code)(minor) == float(money.decimal(minor, code))
    assert money.cell(code) is money.cell(code)  # built once per currency
