"""A compact range: the hashes of the perfect subtrees that make up a tree's right border,
enough to append leaves and compute the root without the rest of the tree (what the
sequencer keeps beside the log). Standard library only."""

from __future__ import annotations

from collections.abc import Iterable

from ledger_verify.merkle import EMPTY_ROOT, Hash, node_hash


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
