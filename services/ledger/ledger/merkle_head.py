"""The sequencer's Merkle log: the RFC 6962 tree over every record, in position order,
kept as a compact range in ``merkle_head`` and moved in the same transaction as the
append, so that the head always covers exactly the committed records.

The update is fenced on the size it started from: if the table holds anything else (a
record appended by another path, a head rolled back with its transaction), the range is
rebuilt from the records themselves before the batch goes on.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg
import structlog
from ledger_verify.compact import CompactRange
from ledger_verify.merkle import leaf_hash

log = structlog.get_logger("ledger.merkle")
_CHUNK = 10_000


class HeadMoved(RuntimeError):
    """``merkle_head`` was not at the size this writer expected."""


async def load(conn: asyncpg.Connection, upto: int) -> tuple[CompactRange, int]:
    """The range over positions 1..``upto`` and the size ``merkle_head`` holds now: the
    stored head, extended from the records when it lags behind them (a ledger from before
    the Merkle log, or records appended by another path)."""
    row = await conn.fetchrow("SELECT size, hashes FROM merkle_head WHERE id = 1 FOR UPDATE")
    stored = int(row["size"])
    tree = CompactRange(stored, row["hashes"]) if stored <= upto else CompactRange()
    if tree.size < upto:
        log.info("merkle log catching up", since=tree.size, upto=upto)
        await catch_up(conn, tree, upto)
    return tree, stored


class MissingRecords(RuntimeError):
    """Positions below the size asked for have no record."""


async def catch_up(conn: asyncpg.Connection, tree: CompactRange, upto: int) -> None:
    """Extend ``tree`` with the records at positions ``tree.size + 1`` … ``upto``."""
    while tree.size < upto:
        records = await conn.fetch(
            "SELECT record FROM events WHERE position > $1 AND position <= $2 ORDER BY position",
            tree.size,
            min(upto, tree.size + _CHUNK),
        )
        if not records:
            raise MissingRecords(f"records {tree.size + 1}… are missing below {upto}")
        tree.extend(leaf_hash(r["record"]) for r in records)


def extended(tree: CompactRange, records: Iterable[bytes]) -> CompactRange:
    """A copy of ``tree`` with ``records`` appended (the original stays as it was, in case
    the transaction rolls back)."""
    grown = CompactRange(tree.size, tree.hashes)
    grown.extend(leaf_hash(record) for record in records)
    return grown


async def save(conn: asyncpg.Connection, before: int, tree: CompactRange) -> None:
    status = await conn.execute(
        "UPDATE merkle_head SET size = $2, hashes = $3, root = $4, updated_at = now()"
        " WHERE id = 1 AND size = $1",
        before,
        tree.size,
        tree.hashes,
        tree.root(),
    )
    if status != "UPDATE 1":
        raise HeadMoved(f"merkle_head was not at size {before}")
