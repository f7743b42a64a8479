"""The heads of a pin state, read all at once: given any JSON value standing for a head
among sound ones, the state reads as each head on its own says, and one head off is
refused naming its incident."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_verify import pin_state
from ledger_verify.pin_file import FORMAT
from ledger_verify.report import Malformed

pytestmark = pytest.mark.unit

HASH = "0123456789abcdef" * 4
hexes = st.text("0123456789abcdefABCDEFg", min_size=63, max_size=65)
numbers = st.one_of(st.integers(-2, 5), st.booleans(), st.floats(0, 3), st.none())
odd_heads = st.one_of(
    st.lists(st.one_of(numbers, hexes), max_size=4),
    st.tuples(numbers, numbers, st.one_of(hexes, numbers)).map(list),
    st.dictionaries(st.text(max_size=2), numbers, max_size=3),
    st.text(max_size=3),
    numbers,
)


def _sound(head: Any) -> bool:
    """A head as the state's format defines it: [version, position, hex hash]."""
    if not (isinstance(head, list) and len(head) == 3 and isinstance(head[2], str)):
        return False
    hashed = len(head[2]) == 64 and set(head[2]) <= set("0123456789abcdef")
    return hashed and all(type(n) is int and n >= 1 for n in head[:2])


def _state(heads: dict[str, Any]) -> str:
    return json.dumps({"format": FORMAT, "checkpoint": "x", "size": 9, "compact_range": [],
                       "heads": heads})  # fmt: skip


@given(odd_heads, st.integers(0, 3))
def test_one_head_among_sound_ones_reads_as_it_says(head: Any, place: int) -> None:
    sound: list[tuple[str, Any]] = [(f"INC-{i}", [1, i + 1, HASH]) for i in range(3)]
    heads = dict([*sound[:place], ("INC-odd", head), *sound[place:]])
    if _sound(head):
        assert pin_state.parse(_state(heads)).heads["INC-odd"] == tuple(head)
        return
    with pytest.raises(Malformed) as raised:
        pin_state.parse(_state(heads))
    assert "'INC-odd'" in raised.value.finding.message


def test_sound_heads_read_whole() -> None:
    heads = {f"INC-{i}": [i + 1, i + 2, HASH] for i in range(1000)}
    assert pin_state.parse(_state(heads)).heads == {k: tuple(v) for k, v in heads.items()}
