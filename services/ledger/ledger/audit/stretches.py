"""One stretch of the log checked on its own: its records against their columns and the
hash tiles written at append time, the tree over its leaves, and what the stretches
before and after it need to stitch continuity and signed roots across the seams.

``ledger verify`` checks a well-formed log as stretches in worker processes (each on the
same exported snapshot); a log with gaps in its positions is checked as one stretch, so
that every record is judged at the place it actually holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import asyncpg
from ledger_verify.compact import CompactRange, levels, prefix
from ledger_verify.quick_msgspec import FAST, QuickChecker
from ledger_verify.records import First, Head
from ledger_verify.report import Finding

from ledger.audit import bundle_reads as bundles
from plumbing import db

__all__ = ["FAST", "Stretch", "check_after", "check_all", "check_range"]

HEIGHT = 13  # stretches of 8,192 records start on multiples of it, so their trees join
_BY_RANGE = bundles.SELECT + " WHERE position BETWEEN $1 AND $2"  # see db.fetch_in_order
_TILES = "SELECT idx, hashes FROM merkle_tiles WHERE level = 0 AND idx BETWEEN $1 AND $2"
Tiles = dict[int, bytes]  # level-0 hash tiles by index: 256 leaf hashes each


@dataclass
class Stretch:
    start: int  # the place of its first record (1-based)
    findings: list[Finding] = field(default_factory=list)
    firsts: list[First] = field(default_factory=list)  # incidents met first here
    lasts: dict[str, Head] = field(default_factory=dict)  # and their last record here
    tree: CompactRange = field(default_factory=CompactRange)  # over its leaves alone
    at: dict[int, CompactRange] = field(default_factory=dict)  # its tree at signed sizes
    read: int = 0  # rows read from the events table


class _Fold:
    def __init__(self, start: int, signed: frozenset[int], alone: bool) -> None:
        self.stretch = Stretch(start)
        self.checker = QuickChecker(stretch=not alone)
        self.signed = signed

    def rows(self, rows: list[asyncpg.Record], tiles: dict[int, bytes]) -> None:
        stretch, checker = self.stretch, self.checker
        base = stretch.start - 1 + stretch.tree.size  # records before these, in the log
        stretch.read += len(rows)
        leaves, ids = [], []
        for place, row in enumerate(rows, start=base + 1):
            stretch.findings += checker.check(place, bytes(row[11]), row[:11])
            leaves.append(checker.leaf)
            ids.append(checker.event_id)
        self._tiled(base, leaves, ids, tiles)
        self._grow(base, leaves)

    def _tiled(self, base: int, leaves: list[bytes], ids: list[str | None], tiles: Tiles) -> None:
        """The leaves against the hash tiles written at append time, a tile at a time."""
        for tile in range(base >> 8, (base + len(leaves) + 255) >> 8):
            low, high = max(base, tile << 8), min(base + len(leaves), (tile + 1) << 8)
            stored = tiles.get(tile, b"")[(low & 255) * 32 : ((high - 1) & 255) * 32 + 32]
            if stored == b"".join(leaves[low - base : high - base]):
                continue
            for index in range(low, high):
                if stored[(index - low) * 32 : (index - low) * 32 + 32] != leaves[index - base]:
                    self.stretch.findings.append(Finding("leaf", "the record does not match"
                                                 " the leaf hash stored in the hash tiles when"
                                                 " it was appended", index + 1,
                                                 ids[index - base]))  # fmt: skip

    def _grow(self, base: int, leaves: list[bytes]) -> None:
        """The stretch's tree grown by ``leaves``, kept at every signed size among them:
        hashed level by level when the tree so far ends on a multiple of their largest
        subtree (always, for batches of a power of two), else a leaf at a time."""
        stretch, count = self.stretch, len(leaves)
        if count and stretch.tree.size % (1 << (count.bit_length() - 1)) == 0:
            built = levels(leaves)
            for size in (s for s in self.signed if base < s <= base + count):
                stretch.at[size] = stretch.tree.joined(prefix(built, size - base))
            stretch.tree = stretch.tree.joined(prefix(built, count))
            return
        for place, leaf in enumerate(leaves, start=base + 1):
            stretch.tree.append(leaf)
            if place in self.signed:
                stretch.at[place] = CompactRange(stretch.tree.size, stretch.tree.hashes)

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
    rows = await db.fetch_in_order(conn, _BY_RANGE, start, end)
    fold.rows(rows, await _tiles(conn, start, len(rows)))
    return fold.done()


async def check_all(
    conn: asyncpg.Connection, signed: frozenset[int], batch: int
) -> AsyncIterator[Stretch]:
    """The whole log as one stretch, whatever its positions say, read ``batch`` rows at a
    time; yields the stretch so far after every batch (for progress) and at the end."""
    fold, after = _Fold(1, signed, alone=True), 0
    while rows := await conn.fetch(bundles.AFTER, after, batch):
        fold.rows(rows, await _tiles(conn, fold.stretch.start + fold.stretch.tree.size, len(rows)))
        after = rows[-1]["position"]
        yield fold.stretch
    yield fold.done()


async def check_after(
    conn: asyncpg.Connection,
    pinned: CompactRange,
    heads: dict[str, Head],
    signed: frozenset[int],
    keep: int,
    progress: Callable[[int], None],
    batch: int,
) -> tuple[Stretch, dict[str, Head]]:
    """The records after the first ``pinned.size`` (checked before: their tree and their
    incidents' heads given), as one stretch of the whole log whose tree starts as
    ``pinned``; and the heads as they were after ``keep`` records (≥ ``pinned.size``).
    Batches end on multiples of ``batch`` (and on ``keep``), so that, past the first, the
    tree grows a level at a time."""
    fold, after = _Fold(1, signed, alone=True), pinned.size
    fold.stretch.tree = CompactRange(pinned.size, pinned.hashes)
    fold.checker.heads, kept = dict(heads), None
    while True:
        placed = fold.stretch.tree.size
        if kept is None and placed >= keep:
            kept = dict(fold.checker.heads)
        limit = batch - placed % batch
        limit = min(limit, keep - placed) if placed < keep else limit
        if not (rows := await conn.fetch(bundles.AFTER, after, limit)):
            break
        fold.rows(rows, await _tiles(conn, placed + 1, len(rows)))
        after = rows[-1]["position"]
        progress(fold.stretch.tree.size)
    return fold.done(), kept if kept is not None else dict(fold.checker.heads)
