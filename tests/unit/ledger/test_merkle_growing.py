"""The writer's Merkle log grows while COPY takes the rows: the same tree, the same rows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from ledger_verify.tiles import TiledRange

from ledger.store import merkle_head

pytestmark = pytest.mark.unit


@dataclass
class Row:
    record: bytes


@pytest.mark.parametrize("count", [0, 1, 255, 256, 257, 2500])
def test_growing_yields_every_row_and_ends_with_the_tree_extended_at_once(count: int) -> None:
    # Given a log of 1,000 records and a batch of ``count`` more
    before = merkle_head.extended(TiledRange(), (b"r%d" % i for i in range(1000)))
    rows = [Row(b"new %d" % i) for i in range(count)]
    # When the batch's rows are taken through growing()
    grown = before.copy()
    taken = list(merkle_head.growing(grown, rows))
    # Then every row comes out once, in order, and the tree (root and tile writes) is the
    # one extending the log with all of them at once gives
    expected = merkle_head.extended(before, (row.record for row in rows))
    assert taken == rows
    assert (grown.size, grown.root()) == (expected.size, expected.root())
    assert grown.take() == expected.take()


def test_the_tree_grows_only_as_rows_are_taken() -> None:
    # Given a batch of 600 rows, growing in chunks of 256
    grown = TiledRange()
    rows = merkle_head.growing(grown, [Row(b"%d" % i) for i in range(600)])
    # When the first row is taken, then the first chunk is in the tree, no more
    next(rows)
    assert grown.size == 256
    # and once all are taken, all are
    assert len(list(rows)) == 599
    assert grown.size == 600
