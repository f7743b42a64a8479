"""The tlog-tiles resource paths read back: every path the writer makes names the tile it
was made for, and anything else is refused with the part that is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_verify.tile_paths import MAX_GROUPS, MAX_LEVEL, TilePathError, TileRef, parse
from ledger_verify.tiles import WIDTH

pytestmark = pytest.mark.unit

refs = st.builds(
    TileRef,
    level=st.none() | st.integers(0, MAX_LEVEL),
    index=st.integers(0, 10**15),
    width=st.integers(1, WIDTH),
)


@given(refs)
def test_a_written_path_reads_back_as_its_tile(ref: TileRef) -> None:
    assert parse(ref.path) == ref


def test_the_spec_examples_read_as_written() -> None:
    assert parse("tile/2/x001/x234/067.p/7") == TileRef(2, 1234067, 7)
    assert parse("tile/entries/005") == TileRef(None, 5)
    assert parse("tile/0/000") == TileRef(0, 0)


@pytest.mark.parametrize(
    ("path", "part"),
    [
        ("tile/64/000", "level"),
        ("tile/01/000", "level"),
        ("tile/entry/000", "level"),
        ("tile/0/5", "last group"),
        ("tile/0/0005", "last group"),
        ("tile/0/001/234", "all but the last"),
        ("tile/0/x000/005", "leading zero"),
        ("tile/0/000.p/0", "width"),
        ("tile/0/000.p/256", "width"),
        ("tile/0/000.p/07", "width"),
        ("tile/0/000.p/", "width"),
        ("tile/0/000.p", "last group"),
        ("tile/0/", "last group"),
        ("tiles/0/000", "not tile/"),
        ("tile/0", "not tile/"),
        ("tile/0/x001/", "last group"),
        ("tile/0/+12", "last group"),
        ("tile/0/١٢٣", "last group"),
        ("tile/0/x001/x002/x003/x004/x005/x006/x007/008", "at most 7"),
        ("tile/entries/" + "x001/" * 1500 + "000", "at most 7"),
    ],
)
def test_a_path_naming_no_tile_is_refused_by_its_part(path: str, part: str) -> None:
    with pytest.raises(TilePathError, match=part):
        parse(path)


def test_the_largest_64_bit_index_reads_back() -> None:
    ref = TileRef(0, 2**64 - 1)
    assert parse(ref.path) == ref
    assert ref.path.count("/") - 1 == MAX_GROUPS


junk = st.text(alphabet="tile/0123456789x.pentrs", max_size=40)
upper = st.sampled_from(["x001", "x999"]) | st.sampled_from(["x000", "001", "x", ""])
last = st.sampled_from(["000", "999"]) | st.sampled_from(["x001", "0001", ""])
many_groups = st.builds(
    lambda level, upper, n, last: f"tile/{level}/" + f"{upper}/" * n + last,
    st.sampled_from(["0", "entries"]), upper, st.integers(0, 9) | st.integers(1400, 3000), last,
)  # fmt: skip


@given(junk | many_groups)
def test_any_text_reads_as_its_own_tile_or_is_refused(text: str) -> None:
    """Given any text, thousands of groups too (past Python's int digit limit), then it
    reads as the tile whose path it is, or is refused with a ``TilePathError``."""
    try:
        ref = parse(text)
    except TilePathError:
        return
    assert ref.path == text
