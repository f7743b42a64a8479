"""A rejections cursor is a stream sequence the API handed out; anything else a caller
sends as ``cursor`` is a 400 naming it, never an error of the server's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_api.paging import BadParameter, encode_cursor
from ledger_api.routes.rejections import after_cursor

pytestmark = pytest.mark.unit


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_a_cursor_handed_out_reads_back_as_its_sequence(seq: int) -> None:
    assert after_cursor(encode_cursor(seq)) == seq


@given(st.one_of(st.text(max_size=60), st.text(max_size=8).map(encode_cursor)))
def test_any_other_cursor_is_refused_by_name(cursor: str) -> None:
    try:
        after_cursor(cursor)
    except BadParameter as refused:
        assert refused.extra == {"parameter": "cursor"}  # noqa: PT017


def test_a_unicode_digit_is_not_a_sequence() -> None:
    with pytest.raises(BadParameter):
        after_cursor(encode_cursor("²"))
