"""A compact range: the hashes of the perfect subtrees that make up a tree's right border,
enough to append leaves and compute the root without the rest of the tree (what the
sequencer keeps beside the log). Standard library only."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from ledger_verify.merkle import EMPTY_ROOT, Hash, node_hash

_sha256 = hashlib.sha256


class CompactRange:
    """The tree of ``size`` leaves, as one hash per set bit of ``size`` (largest first)."""

    def __init__(self, size: int = 0, hashes: Iterable[Hash] = ()) -> None:
        self.size, self.hashes = size, list(hashes)
        if len(self.hashes) != bin(size).count("1"):
            raise ValueError(f"a range of {size} leaves has {bin(size).count('1')} hashes")

    def append(self, leaf: Hash) -> None:
        value, size = leaf, self.size
        while size & 1:  # merge with every perfect subtree of the same height
            value = node_hash(self.hashes.pop(), value)
            size >>= 1
        self.hashes.append(value)
        self.size += 1

    def append_subtree(self, value: Hash, height: int) -> None:
        """Append the 2**height leaves whose perfect subtree hashes to ``value``; the
        range must end on a multiple of 2**height."""
        if self.size % (1 << height):
            raise ValueError(f"a subtree of height {height} cannot follow {self.size} leaves")
        size = self.size >> height
        while size & 1:
            value = node_hash(self.hashes.pop(), value)
            size >>= 1
        self.hashes.append(value)
        self.size += 1 << height

    def joined(self, right: CompactRange) -> CompactRange:
        """This range followed by ``right``, a range of its own that starts where this one
        ends; this one must end on a multiple of the largest subtree in ``right``."""
        joined = CompactRange(self.size, self.hashes)
        for height, value in zip(_heights(right.size), right.hashes, strict=True):
            joined.append_subtree(value, height)
        return joined

    def extend(self, leaves: Iterable[Hash]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def root(self) -> Hash:
        if not self.hashes:
            return EMPTY_ROOT
        value = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            value = node_hash(left, value)
        return value


def levels(leaves: Sequence[Hash]) -> list[list[Hash]]:
    """The perfect subtrees over ``leaves``, level by level: ``levels[h][i]`` is the
    subtree of height h over leaves i·2^h … (i+1)·2^h − 1. The same hashes as appending
    leaf by leaf, a level at a time, for less interpreter work per leaf."""
    built = [list(leaves)]
    while len(below := built[-1]) > 1:
        pairs = zip(below[::2], below[1::2], strict=False)  # an odd last one waits
        built.append([_sha256(b"\x01" + left + right).digest() for left, right in pairs])
    return built


def prefix(built: list[list[Hash]], size: int) -> CompactRange:
    """The compact range over the first ``size`` leaves of ``levels``' leaves."""
    return CompactRange(size, [built[h][(size >> h) - 1] for h in _heights(size)])


def _heights(size: int) -> list[int]:
    """The heights of the perfect subtrees of a ``size``-leaf range, largest first."""
    return [bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
