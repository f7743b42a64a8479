"""The Merkle tree the audit trail rests on: RFC 6962's published vectors, and proofs that
verify exactly when nothing was changed."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_verify.compact import CompactRange, prefix
from ledger_verify.compact import levels as compact_levels
from ledger_verify.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

pytestmark = pytest.mark.unit

VECTOR_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                 "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(d) for d in VECTOR_LEAVES]


def naive_root(leaves: list[bytes]) -> bytes:
    """MTH as RFC 6962 §2.1 defines it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


def test_the_published_roots() -> None:
    assert root([]) == EMPTY_ROOT
    for n, expected in enumerate(VECTOR_ROOTS, start=1):
        assert root(LEAVES[:n]).hex() == expected


def test_the_published_proofs() -> None:
    assert [p.hex() for p in inclusion_proof(LEAVES, 5)] == [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    assert [p.hex() for p in consistency_proof(LEAVES[:5], 2)] == [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]
    assert [p.hex() for p in consistency_proof(LEAVES, 3)] == [
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


trees = st.lists(st.binary(max_size=8), min_size=1, max_size=70).map(
    lambda data: [leaf_hash(d) for d in data]
)


@given(trees)
def test_roots_match_the_definition_and_the_compact_range(leaves: list[bytes]) -> None:
    compact = CompactRange()
    compact.extend(leaves)
    assert root(leaves) == naive_root(leaves) == compact.root()
    again = CompactRange(compact.size, compact.hashes)
    again.append(leaf_hash(b"next"))
    assert again.root() == root([*leaves, leaf_hash(b"next")])


@given(trees)
def test_levels_give_the_compact_range_of_every_prefix(leaves: list[bytes]) -> None:
    """Given leaves hashed level by level, then the compact range of every prefix is the
    one appending its leaves one at a time gives."""
    built, compact = compact_levels(leaves), CompactRange()
    for size, leaf in enumerate(leaves, start=1):
        compact.append(leaf)
        assert (prefix(built, size).size, prefix(built, size).hashes) == (size, compact.hashes)


@given(st.integers(0, 5), st.integers(0, 4), st.integers(0, 70))
def test_ranges_checked_apart_join_into_the_whole_tree(height: int, whole: int, rest: int) -> None:
    """Given stretches of 2**height leaves checked on their own, when their ranges are
    joined in order, then the root is the tree's over all the leaves."""
    leaves = [leaf_hash(b"%d" % i) for i in range((whole << height) + min(rest, 1 << height))]
    joined = CompactRange()
    for start in range(0, len(leaves), 1 << height):
        part = CompactRange()
        part.extend(leaves[start : start + (1 << height)])
        joined = joined.joined(part)
    assert (joined.size, joined.root()) == (len(leaves), root(leaves))


def test_a_subtree_must_start_on_its_own_boundary() -> None:
    compact = CompactRange()
    compact.append(leaf_hash(b"one"))
    with pytest.raises(ValueError, match="cannot follow 1 leaves"):
        compact.append_subtree(EMPTY_ROOT, 1)


@given(trees, st.data())
def test_inclusion_proofs_verify_only_the_true_leaf(
    leaves: list[bytes], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof, at = inclusion_proof(leaves, index), root(leaves)
    assert verify_inclusion(leaves[index], index, len(leaves), proof, at)
    assert not verify_inclusion(leaf_hash(b"forged"), index, len(leaves), proof, at)
    if len(leaves) > 1:
        other = (index + 1) % len(leaves)
        assert not verify_inclusion(leaves[index], other, len(leaves), proof, at) or (
            leaves[index] == leaves[other] and proof == inclusion_proof(leaves, other)
        )
    if proof:
        bent = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
        assert not verify_inclusion(leaves[index], index, len(leaves), bent, at)


@given(trees, st.data())
def test_consistency_proofs_hold_only_for_extensions(
    leaves: list[bytes], data: st.DataObject
) -> None:
    old = data.draw(st.integers(1, len(leaves)))
    proof = consistency_proof(leaves, old)
    old_root, new_root = root(leaves[:old]), root(leaves)
    assert verify_consistency(old, len(leaves), old_root, new_root, proof)
    if old < len(leaves):
        rewritten = [leaf_hash(b"rewritten"), *leaves[1:]]
        if rewritten != leaves:  # hypothesis may draw b"rewritten" as the first leaf
            assert not verify_consistency(old, len(leaves), old_root, root(rewritten), proof)
        forged = leaf_hash(b"x") if old_root != leaf_hash(b"x") else leaf_hash(b"y")
        assert not verify_consistency(old, len(leaves), forged, new_root, proof)
