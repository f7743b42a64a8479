"""A stretch of the log checked on its own, fed in batches of any size: the same tree,
the same trees at signed sizes, and a leaf that differs from its hash tile named."""

from __future__ import annotations

import pytest
from ledger_verify import merkle
from ledger_verify.records import COLUMNS

from ledger.audit.stretches import _Fold
from tests.unit.verify.ledgers import build, columns_of

pytestmark = pytest.mark.unit

LEDGER = build([f"INC-{i * 7 % 5}" for i in range(700)])
ROWS = [(*(columns_of(r)[c] for c in COLUMNS), r) for r in LEDGER.records]
LEAVES = [merkle.leaf_hash(r) for r in LEDGER.records]
TILES = {i: b"".join(LEAVES[i << 8 : (i + 1) << 8]) for i in range(3)}
SIGNED = frozenset({1, 255, 256, 300, 512, 699, 700})


def folded(batches: list[int], tiles: dict[int, bytes] = TILES) -> _Fold:
    fold, done = _Fold(1, SIGNED, alone=True), 0
    for size in batches:
        fold.rows(ROWS[done : done + size], tiles)
        done += size
    return fold


@pytest.mark.parametrize("batches", [[700], [512, 188], [100, 37, 263, 300], [1] * 700])
def test_any_batching_grows_the_same_tree(batches: list[int]) -> None:
    """Given the records in batches aligned or not, then the stretch's tree is the whole
    log's, and its tree at every signed size is that prefix's."""
    stretch = folded(batches).done()
    assert stretch.findings == []
    assert stretch.tree.root() == merkle.root(LEAVES)
    assert {size: tree.root() for size, tree in stretch.at.items()} == {
        size: merkle.root(LEAVES[:size]) for size in SIGNED
    }


def test_a_leaf_unlike_its_tile_is_named() -> None:
    """Given a hash tile with one leaf changed, then that record, and only it, is named."""
    changed = {**TILES, 1: TILES[1][: 32 * 44] + bytes(32) + TILES[1][32 * 45 :]}
    findings = folded([512, 188], changed).done().findings
    assert [(f.code, f.position, f.event_id) for f in findings] == [
        ("leaf", 256 + 45, str(columns_of(LEDGER.records[300])["event_id"]))
    ]
