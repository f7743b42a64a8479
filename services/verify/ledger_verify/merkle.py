"""The RFC 6962 / RFC 9162 Merkle tree: hashes, roots, inclusion and consistency proofs.

Standard library only, so that anyone can check a ledger's proofs without the rest of the
project. Leaves are the records' canonical bytes, in position order (index 0 is position
1). ``leaf_hash`` and ``node_hash`` carry the 0x00 / 0x01 domain-separation prefixes; the
verification functions follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

Hash = bytes
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> Hash:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[Hash]) -> Hash:
    """MTH of the leaf hashes: merged right to left, as a compact range would."""
    if not leaves:
        return EMPTY_ROOT
    stack: list[tuple[int, Hash]] = []  # (size of the subtree, its hash)
    for leaf in leaves:
        size, value = 1, leaf
        while stack and stack[-1][0] == size:
            below, left = stack.pop()
            size, value = size + below, node_hash(left, value)
        stack.append((size, value))
    value = stack.pop()[1]
    while stack:
        value = node_hash(stack.pop()[1], value)
    return value


Range = tuple[int, int]  # leaves lo … hi - 1


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose roots make up PATH(index, D[size]) of RFC 6962 §2.1.1, in order."""
    if not 0 <= index < size:
        raise IndexError(f"leaf {index} is not in a tree of {size}")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    return out[::-1]


def consistency_ranges(old_size: int, size: int) -> list[Range]:
    """The ranges whose roots make up PROOF(old_size, D[size]) of RFC 6962 §2.1.2."""
    if not 0 < old_size <= size:
        raise ValueError(f"no consistency proof from {old_size} to {size}")
    out: list[Range] = []
    lo, hi, m, complete = 0, size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        out.append((lo, hi))
    return out[::-1]


def inclusion_proof(leaves: Sequence[Hash], index: int) -> list[Hash]:
    """PATH(index, D[n]) from the leaf hashes themselves."""
    return [root(leaves[lo:hi]) for lo, hi in inclusion_ranges(index, len(leaves))]


def consistency_proof(leaves: Sequence[Hash], old_size: int) -> list[Hash]:
    """PROOF(old_size, D[n]) from the leaf hashes themselves."""
    return [root(leaves[lo:hi]) for lo, hi in consistency_ranges(old_size, len(leaves))]


def verify_inclusion(leaf: Hash, index: int, size: int, proof: Sequence[Hash], at: Hash) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` place ``leaf`` at ``index`` of the tree ``at``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == at


def verify_consistency(
    old_size: int, new_size: int, old_root: Hash, new_root: Hash, proof: Sequence[Hash]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``new_root`` an append-only extension of ``old_root``?"""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root starts the path
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
