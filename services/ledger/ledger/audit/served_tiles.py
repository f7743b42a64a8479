"""The log served read-only in the ``tlog-tiles`` layout (https://c2sp.org/tlog-tiles),
from what the ledger stores: hash tiles from ``merkle_tiles`` (a partial tile is the
stored tile's first hashes: tiles only grow), entry bundles from ``events``' records.
Only the tree of the latest signed checkpoint is served; each read is one bounded query
(one tile row, or at most 256 records)."""

from __future__ import annotations

import asyncpg
from ledger_verify.tile_paths import TileRef
from ledger_verify.tiles import HEIGHT, WIDTH

from contracts.limits import MAX_RECORD_BYTES
from ledger.audit.tile_proofs import latest_checkpoint

MAX_ENTRY = MAX_RECORD_BYTES  # an entry bundle frames each record with a big-endian uint16 length


class OversizeRecord(ValueError):
    """A stored record too long for an entry bundle's length prefix: its bundle cannot be
    served (the ingest refuses such records; one stored before that, or edited since, is
    read in an export or by ``ledger verify`` instead)."""

    def __init__(self, position: int, size: int) -> None:
        super().__init__(
            f"the record at position {position} is {size} bytes; an entry bundle frames"
            f" records of at most {MAX_ENTRY} bytes"
        )
        self.position, self.size = position, size


def within(ref: TileRef, size: int) -> bool:
    """Whether the tree of ``size`` leaves (or a smaller one) has this tile: a partial tile
    of width W is served for every tree whose tile there holds at least W hashes."""
    hashes_at_level = size >> (HEIGHT * (ref.level or 0))
    return ref.index * WIDTH + ref.width <= hashes_at_level


def entry_bundle(records: list[bytes], first: int = 0) -> bytes:
    """Each record as its big-endian uint16 length and its bytes; ``OversizeRecord`` naming
    the position (``first`` + 1 for the first record) of one too long for that."""
    out = bytearray()
    for at, record in enumerate(records, first + 1):
        if len(record) > MAX_ENTRY:
            raise OversizeRecord(at, len(record))
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
        return entry_bundle([bytes(r["record"]) for r in rows], first)
    stored = await conn.fetchval(
        "SELECT substring(hashes FROM 1 FOR $3) FROM merkle_tiles WHERE level = $1 AND idx = $2",
        ref.level, ref.index, ref.width * 32,
    )  # fmt: skip
    return None if stored is None or len(stored) < ref.width * 32 else bytes(stored)
