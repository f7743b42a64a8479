"""Which tiles the API serves for a signed tree, and the entry bundle encoding: exactly the
tiles a tree of that size (or a smaller one) has, and records framed so that the
verifier reads them back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_verify.export import parse_entries
from ledger_verify.tile_paths import TileRef
from ledger_verify.tiles import WIDTH, tiles_of

from ledger.audit.served_tiles import entry_bundle, within

pytestmark = pytest.mark.unit


@given(st.integers(0, 5 * WIDTH**2))
def test_every_tile_of_the_tree_is_served_and_none_beyond(size: int) -> None:
    tiles = list(tiles_of(size))
    for level, index, width in tiles:
        assert within(TileRef(level, index, width), size)
        assert within(TileRef(level, index, 1), size)  # a smaller tree's partial tile
        if level == 0:
            assert within(TileRef(None, index, width), size)
    levels = {level for level, _, _ in tiles}
    for level in levels | {max(levels, default=0) + 1}:
        last = max((i for lv, i, _ in tiles if lv == level), default=-1)
        assert not within(TileRef(level, last + 1, 1), size)
    if size % WIDTH:
        assert not within(TileRef(0, size // WIDTH, size % WIDTH + 1), size)
        assert not within(TileRef(0, size // WIDTH), size)


@given(st.lists(st.binary(max_size=300), max_size=WIDTH))
def test_an_entry_bundle_reads_back_as_its_records(records: list[bytes]) -> None:
    assert parse_entries(entry_bundle(records)) == (records, "")


def test_a_record_too_long_for_its_length_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        entry_bundle([b"x" * 0x10000])
