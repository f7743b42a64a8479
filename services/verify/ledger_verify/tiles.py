"""Hash tiles (https://c2sp.org/tlog-tiles): the tree's hashes stored 256 to a tile, so that
any proof needs a handful of tile reads. Standard library only.

A tile at level L holds the hashes of consecutive perfect subtrees of 2^(8L) leaves: level
0 holds the leaf hashes, level 1 the roots of every full level-0 tile, and so on. Tiles
only ever grow (a partial tile is a prefix of the full tile it becomes), so a hash read
from a tile of a larger tree is also right for every smaller tree that contains it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ledger_verify.compact import CompactRange
from ledger_verify.merkle import Hash, node_hash, root

HEIGHT = 8
WIDTH = 1 << HEIGHT  # hashes in a full tile
TileKey = tuple[int, int]  # (level, tile index)


def tile_path(level: int | str, index: int, width: int = WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``, N in three-digit groups, all but the last prefixed ``x``."""
    digits = f"{index:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    path = "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])
    suffix = "" if width == WIDTH else f".p/{width}"
    return f"tile/{level}/{path}{suffix}"


def tiles_of(size: int) -> Iterable[tuple[int, int, int]]:
    """(level, index, width) of every tile a tree of ``size`` leaves has, lowest level first."""
    level, count = 0, size
    while count > 0:
        for index in range(count // WIDTH):
            yield level, index, WIDTH
        if count % WIDTH:
            yield level, count // WIDTH, count % WIDTH
        level, count = level + 1, count >> HEIGHT


class TiledRange(CompactRange):
    """A compact range that also notes, as it grows, every hash that belongs in a tile."""

    def __init__(self, size: int = 0, hashes: Iterable[Hash] = ()) -> None:
        super().__init__(size, hashes)
        self.pending: list[tuple[int, int, Hash]] = []  # (level, index in level, hash)

    def append(self, leaf: Hash) -> None:
        value, size, height = leaf, self.size, 0
        self.pending.append((0, size, leaf))
        while size & 1:
            value, size, height = node_hash(self.hashes.pop(), value), size >> 1, height + 1
            if height % HEIGHT == 0:
                self.pending.append((height // HEIGHT, size, value))
        self.hashes.append(value)
        self.size += 1

    def copy(self) -> TiledRange:
        twin = TiledRange(self.size, self.hashes)
        twin.pending = list(self.pending)
        return twin

    def take(self) -> list[TileWrite]:
        """The pending hashes grouped by tile, in order; pending is then empty."""
        writes: dict[TileKey, TileWrite] = {}
        for level, index, value in self.pending:
            key = (level, index // WIDTH)
            if key not in writes:
                writes[key] = TileWrite(level, key[1], index % WIDTH, bytearray())
            writes[key].hashes += value
        self.pending = []
        return list(writes.values())


@dataclass
class TileWrite:
    level: int
    index: int
    offset: int  # hashes the tile held before these
    hashes: bytearray


def subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """The perfect subtrees (height, index) that make up leaves ``lo``…``hi - 1``, left to
    right (``lo`` is a multiple of the first one's width, as in every RFC 6962 split)."""
    out = []
    while lo < hi:
        height = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length() - 1
        while lo + (1 << height) > hi:
            height -= 1
        out.append((height, lo >> height))
        lo += 1 << height
    return out


def needed(height: int, index: int) -> tuple[TileKey, int, int]:
    """Where the perfect subtree (height, index) is: its tile, and the slice of hashes in it
    whose root it is."""
    level, rest = divmod(height, HEIGHT)
    first = index << rest
    return (level, first // WIDTH), first % WIDTH, 1 << rest


Reader = Callable[[TileKey], bytes]


def subtree_hash(read: Reader, height: int, index: int) -> Hash:
    key, start, count = needed(height, index)
    data = read(key)
    if len(data) < (start + count) * 32:
        raise LookupError(f"tile {key} holds {len(data) // 32} hashes, {start + count} needed")
    return root([data[i * 32 : i * 32 + 32] for i in range(start, start + count)])


def range_hash(read: Reader, lo: int, hi: int) -> Hash:
    """The root of leaves ``lo``…``hi - 1`` from the tiles."""
    parts = [subtree_hash(read, h, i) for h, i in subtrees(lo, hi)]
    value = parts[-1]
    for left in reversed(parts[:-1]):
        value = node_hash(left, value)
    return value


def tiles_for(ranges: Iterable[tuple[int, int]]) -> set[TileKey]:
    return {needed(h, i)[0] for lo, hi in ranges for h, i in subtrees(lo, hi)}
