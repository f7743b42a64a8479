"""The log served read-only in the ``tlog-tiles`` layout (https://c2sp.org/tlog-tiles),
from what the ledger stores: hash tiles from ``merkle_tiles`` (a partial tile is the
stored tile's first hashes: tiles only grow), entry bundles from ``events``' records.
Only the tree of the latest signed checkpoint is served; each read is one bounded query
(one tile row, or at most 256 records)."""

from __future__ import annotations

import asyncpg
from ledger_verify.tile_paths import TileRef
from ledger_verify.tiles import HEIGHT, WIDTH

from ledger.audit.tile_proofs import latest_checkpoint

MAX_ENTRY = 0xFFFF  # an entry bundle frames each record with a big-endian uint16 length


def within(ref: TileRef, size: int) -> bool:
    """Whether the tree of ``size`` leaves (or a smaller one) has this tile: a partial tile
    of width W is served for every tree whose tile there holds at least W hashes."""
    hashes_at_level = size >> (HEIGHT * (ref.level or 0))
    return ref.index * WIDTH + ref.width <= hashes_at_level


def entry_bundle(records: list[bytes]) -> bytes:
    """Each record as its big-endian uint16 length and its bytes."""
    out = bytearray()
    for record in records:
        if len(record) > MAX_ENTRY:
            raise ValueError(f"a record of {len(record)} bytes does not fit an entry bundle")
        out += len(record).to_bytes(2, "big") + record
    return bytes(out)


async def read(conn: asyncpg.Connection, ref: TileRef) -> bytes | None:
    """The tile's bytes; None when the latest signed tree does not reach it."""
    size, _ = await latest_checkpoint(conn)
    if not within(ref, size):
        return None
    if ref.level is None:
        first = ref.index * WIDTH
        rows = await conn.fetch(
            "SELECT record FROM events WHERE position > $1 AND position <= $2 ORDER BY position",
            first, first + ref.width,
        )  # fmt: skip
        return entry_bundle([bytes(r["record"]) for r in rows])
    stored = await conn.fetchval(
        "SELECT substring(hashes FROM 1 FOR $3) FROM merkle_tiles WHERE level = $1 AND idx = $2",
        ref.level, ref.index, ref.width * 32,
    )  # fmt: skip
    return None if stored is None or len(stored) < ref.width * 32 else bytes(stored)
