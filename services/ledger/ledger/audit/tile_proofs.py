"""Proofs read from the stored hash tiles: each proof is one query for the few tiles it
touches, then pure hashing (``ledger_verify.tiles``)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from ledger_verify import merkle, tiles
from ledger_verify.merkle import Hash, Range


class BeyondHead(ValueError):
    """A tree size the log has not reached."""


async def latest_checkpoint(conn: asyncpg.Connection) -> tuple[int, str]:
    """The latest signed checkpoint's tree size and note; (0, "") before the first."""
    row = await conn.fetchrow("SELECT size, note FROM checkpoints ORDER BY id DESC LIMIT 1")
    return (0, "") if row is None else (int(row["size"]), str(row["note"]))


async def head_size(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT size FROM merkle_head WHERE id = 1"))


async def _read(conn: asyncpg.Connection, keys: set[tiles.TileKey]) -> dict[tiles.TileKey, bytes]:
    rows = await conn.fetch(
        "SELECT level, idx, hashes FROM merkle_tiles"
        " WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["level"], r["idx"]): bytes(r["hashes"]) for r in rows}


async def hashes(conn: asyncpg.Connection, ranges: Sequence[Range]) -> list[Hash]:
    """The root of each range of leaves, from the tiles."""
    stored = await _read(conn, tiles.tiles_for(ranges))

    def read(key: tiles.TileKey) -> bytes:
        if key not in stored:
            raise LookupError(f"tile {key} is missing")
        return stored[key]

    return [tiles.range_hash(read, lo, hi) for lo, hi in ranges]


async def _within(conn: asyncpg.Connection, size: int) -> None:
    head = await head_size(conn)
    if size > head:
        raise BeyondHead(f"the log holds {head} records; there is no tree of size {size}")


async def inclusion(conn: asyncpg.Connection, position: int, size: int) -> list[Hash]:
    """The inclusion proof of the record at ``position`` in the tree of ``size`` records."""
    await _within(conn, size)
    return await hashes(conn, merkle.inclusion_ranges(position - 1, size))


async def inclusions(
    conn: asyncpg.Connection, positions: Sequence[int], size: int
) -> list[list[Hash]]:
    """Inclusion proofs for many records in the tree of ``size``, from one read of tiles."""
    await _within(conn, size)
    plans = [merkle.inclusion_ranges(p - 1, size) for p in positions]
    flat = await hashes(conn, [r for plan in plans for r in plan])
    out, at = [], 0
    for plan in plans:
        out.append(flat[at : at + len(plan)])
        at += len(plan)
    return out


async def consistency(
    conn: asyncpg.Connection, old: int, size: int
) -> tuple[Hash, Hash, list[Hash]]:
    """(root at ``old``, root at ``size``, the consistency proof between them)."""
    await _within(conn, size)
    ranges = [(0, old), (0, size), *merkle.consistency_ranges(old, size)]
    old_root, new_root, *proof = await hashes(conn, ranges)
    return old_root, new_root, proof
