"""``ledger verify``: the live database checked against its signed checkpoints, with the
same checks ``ledger-verify`` runs offline (``ledger_verify.records``), on msgspec's codec.

Every stored checkpoint must verify with a pinned key; the records, read in position
order, must be canonical, continuous per incident and equal to their columns; their leaf
hashes must equal the hash tiles written at append time (which names the record an edit
touched); and the tree over them must have the signed root at every signed size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import msgspec
from ledger_verify import note, trust
from ledger_verify.compact import CompactRange
from ledger_verify.records import Checker, Codec
from ledger_verify.report import Finding, Report, Stop

from ledger import bundles

__all__ = ["Report", "verify"]

CHUNK = 20_000
FAST = Codec(msgspec.json.Decoder().decode, msgspec.json.Encoder(order="sorted").encode)
Progress = Callable[[int, int], None]


class Signed(msgspec.Struct):
    sizes: dict[int, tuple[int, bytes]]  # size → (checkpoint id, root)
    largest: int = 0


async def _checkpoints(
    conn: asyncpg.Connection, keys: list[note.Verifier], report: Report
) -> Signed:
    signed, largest = Signed({}), 0
    for row in await conn.fetch("SELECT id, size, root, note FROM checkpoints ORDER BY id"):
        try:
            cp = trust.open_checkpoint(row["note"], keys, f"checkpoint #{row['id']}")
        except Stop as error:
            report.stop(error)
            continue
        if (cp.size, cp.root) != (row["size"], bytes(row["root"])):
            report.add(Finding("checkpoint-column", f"checkpoint #{row['id']}: its size or root"
                               " column differs from its signed note"))  # fmt: skip
        if cp.size < largest:
            report.add(Finding("rollback", f"checkpoint #{row['id']} signs {cp.size} records"
                               f" after one signed {largest}: the log cannot shrink"))  # fmt: skip
        largest = max(largest, cp.size)
        report.origin = cp.origin
        signed.sizes[cp.size] = (row["id"], cp.root)
    signed.largest = largest
    return signed


class Walk:
    """The fold over records in position order."""

    def __init__(self, signed: Signed, report: Report) -> None:
        self.signed, self.report = signed, report
        self.checker, self.tree = Checker(FAST), CompactRange()
        self.tiles: dict[int, bytes] = {}

    def step(self, row: asyncpg.Record) -> None:
        position = self.tree.size + 1
        columns = bundles.columns(row)
        self.report.extend(self.checker.check(position, bytes(row["record"]), columns))
        leaf = self.checker.leaf
        stored = self.tiles.get(self.tree.size // 256, b"")[(self.tree.size % 256) * 32 :][:32]
        if stored != leaf:
            self.report.add(Finding("leaf", "the record does not match the leaf hash stored in"
                                    " the hash tiles when it was appended", position,
                                    self.checker.event_id))  # fmt: skip
        self.tree.append(leaf)
        if self.tree.size in self.signed.sizes:
            self._at_checkpoint()

    def _at_checkpoint(self) -> None:
        ident, root = self.signed.sizes[self.tree.size]
        if self.tree.root() != root:
            message = (f"the first {self.tree.size} records do not add up to the root signed in"
                       f" checkpoint #{ident}: history was rewritten")  # fmt: skip
            self.report.add(Finding("root", message))


async def _walk(conn: asyncpg.Connection, walk: Walk, total: int, progress: Progress) -> None:
    after = 0
    while True:
        rows = await conn.fetch(
            bundles.SELECT + " WHERE position > $1 ORDER BY position LIMIT $2", after, CHUNK
        )
        if not rows:
            return
        first, last = walk.tree.size // 256, (walk.tree.size + len(rows)) // 256
        tiles = await conn.fetch("SELECT idx, hashes FROM merkle_tiles WHERE level = 0"
                                 " AND idx BETWEEN $1 AND $2", first, last)  # fmt: skip
        walk.tiles = {r["idx"]: bytes(r["hashes"]) for r in tiles}
        for row in rows:
            walk.step(row)
        after = rows[-1]["position"]
        progress(walk.tree.size, total)


async def verify(conn: asyncpg.Connection, keys: list[note.Verifier], progress: Progress) -> Report:
    report = Report("database")
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        signed = await _checkpoints(conn, keys, report)
        head = await conn.fetchrow("SELECT size, root FROM merkle_head WHERE id = 1")
        total = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
        walk = Walk(signed, report)
        await _walk(conn, walk, total, progress)
    _ends(walk, head, report)
    return report


def _ends(walk: Walk, head: Any, report: Report) -> None:
    count = report.events = walk.tree.size
    report.size = walk.signed.largest
    if count < walk.signed.largest:
        report.add(Finding("truncated", f"the log holds {count} records, but a checkpoint"
                           f" signed {walk.signed.largest}: records were removed"))  # fmt: skip
    if (head["size"], bytes(head["root"])) != (count, walk.tree.root()):
        report.add(Finding("head", f"merkle_head (size {head['size']}) is not the tree over"
                           f" the {count} records"))  # fmt: skip
