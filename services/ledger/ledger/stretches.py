"""One stretch of the log checked on its own: its records against their columns and the
hash tiles written at append time, the tree over its leaves, and what the stretches
before and after it need to stitch continuity and signed roots across the seams.

``ledger verify`` checks a well-formed log as stretches in worker processes (each on the
same exported snapshot); a log with gaps in its positions is checked as one stretch, so
that every record is judged at the place it actually holds.
"""

from __future__ import annotations

import operator
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
from ledger_verify.compact import CompactRange
from ledger_verify.records import First, Head
from ledger_verify.report import Finding

from ledger import bundles
from ledger.quick_check import FAST, QuickChecker

__all__ = ["FAST", "Stretch", "check_all", "check_range"]

HEIGHT = 13  # stretches of 8,192 records start on multiples of it, so their trees join
# No ORDER BY: the planner meets a range of wide rows with a bitmap scan and an on-disk
# sort that costs as much as the scan; rows come back in heap order, which in this
# append-only table is position order, and the sort in Python finds them sorted in O(n).
_BY_RANGE = bundles.SELECT + " WHERE position BETWEEN $1 AND $2"
_POSITION = operator.itemgetter(0)
_AFTER = bundles.SELECT + " WHERE position > $1 ORDER BY position LIMIT $2"
_TILES = "SELECT idx, hashes FROM merkle_tiles WHERE level = 0 AND idx BETWEEN $1 AND $2"


@dataclass
class Stretch:
    start: int  # the place of its first record (1-based)
    findings: list[Finding] = field(default_factory=list)
    firsts: list[First] = field(default_factory=list)  # incidents met first here
    lasts: dict[str, Head] = field(default_factory=dict)  # and their last record here
    tree: CompactRange = field(default_factory=CompactRange)  # over its leaves alone
    at: dict[int, CompactRange] = field(default_factory=dict)  # its tree at signed sizes


class _Fold:
    def __init__(self, start: int, signed: frozenset[int], alone: bool) -> None:
        self.stretch = Stretch(start)
        self.checker = QuickChecker(stretch=not alone)
        self.signed = signed

    def rows(self, rows: list[asyncpg.Record], tiles: dict[int, bytes]) -> None:
        stretch, checker, tree = self.stretch, self.checker, self.stretch.tree
        for row in rows:
            index = stretch.start - 1 + tree.size  # leaves before this one, in the log
            stretch.findings += checker.check(index + 1, bytes(row[11]), row[:11])
            leaf, at = checker.leaf, (index & 255) * 32
            if tiles.get(index >> 8, b"")[at : at + 32] != leaf:
                stretch.findings.append(Finding("leaf", "the record does not match the leaf"
                                        " hash stored in the hash tiles when it was appended",
                                        index + 1, checker.event_id))  # fmt: skip
            tree.append(leaf)
            if index + 1 in self.signed:
                stretch.at[index + 1] = CompactRange(tree.size, tree.hashes)

    def done(self) -> Stretch:
        self.stretch.firsts = self.checker.firsts or []
        self.stretch.lasts = self.checker.heads
        return self.stretch


async def _tiles(conn: asyncpg.Connection, start: int, count: int) -> dict[int, bytes]:
    first, last = (start - 1) >> 8, (start - 1 + count) >> 8
    return {r["idx"]: bytes(r["hashes"]) for r in await conn.fetch(_TILES, first, last)}


async def check_range(
    conn: asyncpg.Connection, start: int, end: int, signed: frozenset[int]
) -> Stretch:
    """Positions ``start``–``end`` of a log whose positions are exactly 1…its size."""
    fold = _Fold(start, signed, alone=False)
    rows = sorted(await conn.fetch(_BY_RANGE, start, end), key=_POSITION)
    fold.rows(rows, await _tiles(conn, start, len(rows)))
    return fold.done()


async def check_all(
    conn: asyncpg.Connection, signed: frozenset[int], batch: int
) -> AsyncIterator[Stretch]:
    """The whole log as one stretch, whatever its positions say, read ``batch`` rows at a
    time; yields the stretch so far after every batch (for progress) and at the end."""
    fold, after = _Fold(1, signed, alone=True), 0
    while rows := await conn.fetch(_AFTER, after, batch):
        fold.rows(rows, await _tiles(conn, fold.stretch.start + fold.stretch.tree.size, len(rows)))
        after = rows[-1]["position"]
        yield fold.stretch
    yield fold.done()
