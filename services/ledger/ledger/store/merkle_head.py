"""The sequencer's Merkle log: the RFC 6962 tree over every record, in position order,
kept as a compact range in ``merkle_head`` plus hash tiles in ``merkle_tiles``, both moved
in the same transaction as the append, so that they always cover exactly the committed
records.

The update is fenced on the size it started from: if the table holds anything else (a
record appended by another path, a head rolled back with its transaction), the range is
rebuilt from the records themselves before the batch goes on.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Protocol, TypeVar

import asyncpg
import structlog
from ledger_verify.compact import CompactRange
from ledger_verify.merkle import leaf_hash
from ledger_verify.tiles import TiledRange

from plumbing import db

log = structlog.get_logger(__name__)
_CHUNK = 10_000


class _Recorded(Protocol):
    @property
    def record(self) -> bytes: ...


_R = TypeVar("_R", bound=_Recorded)


class HeadMoved(RuntimeError):
    """``merkle_head`` was not at the size this writer expected."""


async def load(conn: asyncpg.Connection, upto: int) -> tuple[TiledRange, int]:
    """The range over positions 1..``upto`` and the size ``merkle_head`` holds now: the
    stored head, extended from the records when it lags behind them (a ledger from before
    the Merkle log, or records appended by another path). A head without tiles (a ledger
    from before them) is rebuilt from the first record, so that its tiles get written."""
    row = await conn.fetchrow("SELECT size, hashes FROM merkle_head WHERE id = 1 FOR UPDATE")
    stored = int(row["size"])
    tiled = stored == 0 or await conn.fetchval("SELECT EXISTS (SELECT FROM merkle_tiles)")
    fits = stored <= upto and tiled
    tree = TiledRange(stored, row["hashes"]) if fits else TiledRange()
    if tree.size < upto:
        log.info("merkle log catching up", since=tree.size, upto=upto)
        await catch_up(conn, tree, upto)
    return tree, stored


class MissingRecords(RuntimeError):
    """Positions below the size asked for have no record."""


async def catch_up(conn: asyncpg.Connection, tree: CompactRange, upto: int) -> None:
    """Extend ``tree`` with the records at positions ``tree.size + 1`` … ``upto``."""
    while tree.size < upto:
        records = await db.fetch_in_order(
            conn,
            "SELECT position, record FROM events WHERE position > $1 AND position <= $2",
            tree.size,
            min(upto, tree.size + _CHUNK),
        )
        if not records:
            raise MissingRecords(f"records {tree.size + 1}… are missing below {upto}")
        tree.extend(leaf_hash(record) for _, record in records)


def growing(tree: TiledRange, rows: Iterable[_R], chunk: int = 256) -> Iterator[_R]:
    """``rows`` as they are taken, each ``chunk`` of them appended to ``tree`` on the way
    (the writer's COPY takes rows while PostgreSQL stores the ones before: the log grows
    in that time, not after). ``tree`` is whole once every row has been taken."""
    rows = iter(rows)
    while taken := list(itertools.islice(rows, chunk)):
        tree.extend(leaf_hash(row.record) for row in taken)
        yield from taken


def extended(tree: TiledRange, records: Iterable[bytes]) -> TiledRange:
    """A copy of ``tree`` with ``records`` appended (the original stays as it was, in case
    the transaction rolls back)."""
    grown = tree.copy()
    grown.extend(leaf_hash(record) for record in records)
    return grown


# The head and the tiles move in one statement (these CTEs, parameters $1–$8, and the
# counts; the sequencer's one-trip append includes them in its own). Each tile is written
# only where the stored tile ends (its offset) and only if the head was at the size this
# writer started from: anything short of that means another writer moved them, and the
# batch must not commit.
MOVES = """
head AS (
  UPDATE merkle_head SET size = $2, hashes = $3, root = $4, updated_at = now()
  WHERE id = 1 AND size = $1 RETURNING 1
), w AS (
  SELECT * FROM unnest($5::smallint[], $6::bigint[], $7::bytea[], $8::int[])
    AS w (level, idx, hashes, "offset")
  WHERE EXISTS (SELECT FROM head)
), new AS (
  INSERT INTO merkle_tiles (level, idx, hashes)
  SELECT level, idx, hashes FROM w WHERE "offset" = 0
  ON CONFLICT (level, idx) DO NOTHING RETURNING 1
), grown AS (
  UPDATE merkle_tiles AS t SET hashes = t.hashes || w.hashes FROM w
  WHERE t.level = w.level AND t.idx = w.idx AND w."offset" > 0
    AND length(t.hashes) = w."offset" * 32
  RETURNING 1
)"""
COUNTS = """(SELECT count(*) FROM head) AS head,
       (SELECT count(*) FROM new) + (SELECT count(*) FROM grown) AS tiles"""
_SAVE = f"WITH {MOVES}\nSELECT {COUNTS}"


class Moves:
    """The statement arguments that move the head from ``before`` to ``tree`` (taking
    ``tree``'s pending tile writes), and the check of what the statement did."""

    def __init__(self, before: int, tree: TiledRange) -> None:
        self.before, writes = before, tree.take()
        self.arguments = (
            before,
            tree.size,
            tree.hashes,
            tree.root(),
            [w.level for w in writes],
            [w.index for w in writes],
            [bytes(w.hashes) for w in writes],
            [w.offset for w in writes],
        )
        self.tiles = len(writes)

    def check(self, row: asyncpg.Record) -> None:
        """Raise ``HeadMoved`` (rolling the batch back) unless the head and every tile moved."""
        if row["head"] != 1:
            raise HeadMoved(f"merkle_head was not at size {self.before}")
        if row["tiles"] != self.tiles:
            raise HeadMoved(f"merkle_tiles moved: {row['tiles']} of {self.tiles} tiles written")


async def save(conn: asyncpg.Connection, moves: Moves) -> None:
    moves.check(await conn.fetchrow(_SAVE, *moves.arguments))


async def save_nothing(conn: asyncpg.Connection) -> None:
    """``save``'s statement run once on nothing (a size no head has), to prepare it."""
    await conn.fetchrow(_SAVE, *Moves(-1, TiledRange()).arguments)
