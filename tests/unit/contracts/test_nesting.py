"""Nesting is judged from the bytes, before any (recursive) decoder sees them."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.codec import decode_envelope
from contracts.errors import ContractError
from contracts.limits import MAX_RAW_DEPTH, check_nesting

pytestmark = pytest.mark.unit

_leaves = st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab', max_size=8)
_trees = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=40,
)


def _depth(value: Any) -> int:
    """The deepest container's depth (the outermost at 0; -1 for a scalar)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=-1)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=-1)
    return -1


def _nested(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


@given(_trees, st.integers(min_value=0, max_value=6))
def test_a_tree_is_refused_exactly_when_it_nests_deeper_than_the_limit(
    tree: Any, limit: int
) -> None:
    data = json.dumps(tree).encode()
    if _depth(tree) > limit:
        with pytest.raises(ContractError, match="nested deeper"):
            check_nesting(data, limit)
    else:
        check_nesting(data, limit)


def test_brackets_inside_strings_do_not_count() -> None:
    check_nesting(msgspec.json.encode({"s": "[{" * 5000, "t": '\\"[' * 100}))


@pytest.mark.parametrize("levels", [MAX_RAW_DEPTH + 2, 5_000, 10_000])
def test_a_deeply_nested_event_is_refused_as_oversize_not_a_recursion_error(
    levels: int,
) -> None:
    with pytest.raises(ContractError) as refused:
        decode_envelope(_nested(levels))
    assert refused.value.code == "oversize"


@given(_trees, st.integers(min_value=0, max_value=80))
def test_at_the_real_limit_a_wrapped_tree_is_judged_exactly(tree: Any, wraps: int) -> None:
    data = b"[" * wraps + json.dumps(tree).encode() + b"]" * wraps
    if _depth(tree) + wraps > MAX_RAW_DEPTH:
        with pytest.raises(ContractError, match="nested deeper"):
            check_nesting(data)
    else:
        check_nesting(data)


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_unclosed_openers_are_refused_past_the_limit_and_left_to_the_parser_within(
    opener: bytes,
) -> None:
    check_nesting(opener * (MAX_RAW_DEPTH + 1))
    with pytest.raises(ContractError, match="nested deeper"):
        check_nesting(opener * (MAX_RAW_DEPTH + 2))
