"""The verifier's standard-library canonical JSON writes exactly the bytes the ledger
hashes (``contracts.canonical``), and tells canonical bytes from any other spelling."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_verify import canonical

from contracts import canonical as contracts_canonical

pytestmark = pytest.mark.unit

SAFE = st.integers(-canonical.MAX_SAFE_INTEGER, canonical.MAX_SAFE_INTEGER)
TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["\u2028\u2029", "\x00\x1f\x7f", '"\\/', "é烟😀", "\ud7ff\ue000\uffff"]
)
VALUES = st.recursive(
    st.none() | st.booleans() | SAFE | TEXT,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(st.characters(max_codepoint=127), max_size=8), inner, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_it_equals_the_ledgers_encoder_on_the_profile(value: Any) -> None:
    """Given any JSON value of the profile, when both encoders write it, then the bytes
    are the same, canonical, and read back to the value."""
    data = canonical.encode(value)
    assert data == contracts_canonical.encode(value)
    assert canonical.is_canonical(data)
    assert canonical.decode(data) == value


@given(st.dictionaries(st.text(string.ascii_letters + string.digits, max_size=4), SAFE, min_size=1))
def test_any_other_spelling_is_not_canonical(value: dict[str, Any]) -> None:
    """Given canonical bytes, when white space is added or keys reordered, then they are
    no longer canonical."""
    data = canonical.encode(value)
    assert not canonical.is_canonical(data.replace(b":", b": ", 1))
    assert not canonical.is_canonical(b" " + data)
    if len(value) > 1:
        items = sorted(value.items(), reverse=True)
        reordered = b"{" + b",".join(canonical.encode(dict([i]))[1:-1] for i in items) + b"}"
        assert not canonical.is_canonical(reordered)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1.0}',
        b'{"a":1e3}',
        b'{"a":NaN}',
        b'{"a":9007199254740992}',
        b'{"a":-0}',
        b'{"a":"\\u00e9"}',
        b'{"a":"\\ud800"}',
        b'{"a":1,"a":1}',
        b'{"b":1,"a":2}',
        b"\xef\xbb\xbf{}",
        b'{"a":"\xff"}',
        b"[",
        b"[" * 100_000,
    ],
)
def test_floats_huge_integers_escapes_and_broken_bytes_are_not_canonical(data: bytes) -> None:
    """Given bytes outside the profile or spelled otherwise, then they are not canonical."""
    assert not canonical.is_canonical(data)


@pytest.mark.parametrize("value", [1.5, {"a": [0.0]}, 2**53, {1: "a"}, float("nan")])
def test_values_outside_the_profile_are_refused(value: Any) -> None:
    with pytest.raises(canonical.NotCanonical):
        canonical.encode(value)
