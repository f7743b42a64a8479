"""Given text holding sealed values, the one pattern of ``ledger_api.token_spans`` finds a
commitment's token and the mark of a value sealed after its subject's erasure, each whole,
and nothing shorter, so that both are opened (or shown erased) wherever they stand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.store import sealing
from ledger_api.token_spans import TOKEN, TOKEN_TEXT

pytestmark = pytest.mark.unit
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@given(st.binary(min_size=32, max_size=32), st.text(max_size=20), st.text(max_size=20))
def test_a_token_is_found_whole_wherever_it_stands(
    commitment: bytes, before: str, after: str
) -> None:
    token = sealing.PREFIX + sealing.b64(commitment)
    text = f"{before} {token} {after}"
    assert token in TOKEN_TEXT.findall(text)
    assert token.encode() in TOKEN.findall(text.encode())


def test_the_erased_mark_is_found_and_a_short_token_is_not() -> None:
    assert TOKEN.findall(b"name " + sealing.ERASED.encode()) == [sealing.ERASED.encode()]
    assert TOKEN_TEXT.findall("pd1." + B64[:42]) == []
