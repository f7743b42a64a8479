"""Hash tiles hold exactly the tree's hashes, and proofs read from them equal the proofs
computed from the leaves."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_verify import merkle, tiles
from ledger_verify.merkle import leaf_hash

pytestmark = pytest.mark.unit


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def grown(hashes: list[bytes], cuts: list[int]) -> dict[tiles.TileKey, bytes]:
    """Tiles as a sequencer stores them, the leaves arriving in batches cut at ``cuts``."""
    stored: dict[tiles.TileKey, bytes] = {}
    tree, done = tiles.TiledRange(), 0
    for cut in [*sorted(c for c in cuts if c < len(hashes)), len(hashes)]:
        tree = tree.copy()
        tree.extend(hashes[done:cut])
        done = max(done, cut)
        for write in tree.take():
            before = stored.get((write.level, write.index), b"")
            assert len(before) == write.offset * 32
            stored[(write.level, write.index)] = before + bytes(write.hashes)
    return stored


def test_tile_paths_follow_tlog_tiles() -> None:
    assert tiles.tile_path(0, 0) == "tile/0/000"
    assert tiles.tile_path(1, 1234) == "tile/1/x001/234"
    assert tiles.tile_path(2, 1234067, 7) == "tile/2/x001/x234/067.p/7"
    assert tiles.tile_path("entries", 5) == "tile/entries/005"
    assert list(tiles.tiles_of(513)) == [(0, 0, 256), (0, 1, 256), (0, 2, 1), (1, 0, 2)]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 70_000 // 64), st.lists(st.integers(0, 1200), max_size=4))
def test_tiles_hold_the_leaves_and_the_full_tiles_roots(n: int, cuts: list[int]) -> None:
    hashes = leaves(n)
    stored = grown(hashes, cuts)
    for i in range(0, n, 256):
        assert stored[(0, i // 256)] == b"".join(hashes[i : i + 256])
    for i in range(n // 256):
        entry = stored[(1, i // 256)][(i % 256) * 32 :][:32]
        assert entry == merkle.root(hashes[i * 256 : i * 256 + 256])


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_proofs_from_tiles_equal_proofs_from_leaves(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, 1500))
    hashes = leaves(size + data.draw(st.integers(0, 300)))  # tiles of a larger tree serve too
    stored = grown(hashes, [])
    index, old = data.draw(st.integers(0, size - 1)), data.draw(st.integers(1, size))
    read = stored.__getitem__
    path = [tiles.range_hash(read, lo, hi) for lo, hi in merkle.inclusion_ranges(index, size)]
    assert path == merkle.inclusion_proof(hashes[:size], index)
    proof = [tiles.range_hash(read, lo, hi) for lo, hi in merkle.consistency_ranges(old, size)]
    assert proof == merkle.consistency_proof(hashes[:size], old)
    assert tiles.range_hash(read, 0, size) == merkle.root(hashes[:size])


def test_large_trees_use_the_upper_levels() -> None:
    hashes = leaves(70_000)
    stored = grown(hashes, [65_535, 65_537])
    assert (2, 0) in stored
    assert len(stored[(2, 0)]) == 32
    assert tiles.range_hash(stored.__getitem__, 0, 70_000) == merkle.root(hashes)
