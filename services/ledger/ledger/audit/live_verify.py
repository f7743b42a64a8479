"""``ledger verify``: the live database checked against its signed checkpoints, with the
same checks ``ledger-verify`` runs offline (``ledger_verify.records``), on msgspec's codec.

Every stored checkpoint must verify with a pinned key; the records, read in position
order, must be canonical, continuous per incident and equal to their columns; their leaf
hashes must equal the hash tiles written at append time (which names the record an edit
touched); and the tree over them must have the signed root at every signed size.

With ``keep``, a valid run leaves on ``report.state`` the pin state at the latest signed
checkpoint (``ledger_verify.pin_state``), for ``ledger verify --since`` (``since_verify``)
to go on from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import msgspec
from ledger_verify import note, trust
from ledger_verify.compact import CompactRange
from ledger_verify.pin_state import PinState
from ledger_verify.records import Head, continuity
from ledger_verify.report import Finding, Report, Stop

from ledger.audit import stretches, verify_pool
from ledger.audit.stretches import Stretch

__all__ = ["Report", "verify"]

CHUNK = 16_384  # a power of two: each batch's tree joins the ones before it whole
Progress = Callable[[int, int], None]


class Signed(msgspec.Struct):
    sizes: dict[int, tuple[int, bytes]]  # size → (checkpoint id, root)
    largest: int = 0


# Every incident's last record among the first $1, from the columns (which a valid run has
# just held equal to the records).
_HEADS = (
    "SELECT DISTINCT ON (incident_id) incident_id, version, position, encode(hash, 'hex')"
    " FROM events WHERE position <= $1 ORDER BY incident_id, position DESC"
)


async def kept(conn: asyncpg.Connection, signed: Signed) -> tuple[str, dict[str, Head]]:
    """The latest signed checkpoint's note and the heads at its size."""
    ident = signed.sizes[signed.largest][0] if signed.largest else None
    text = await conn.fetchval("SELECT note FROM checkpoints WHERE id = $1", ident)
    rows = await conn.fetch(_HEADS, signed.largest)
    return str(text or ""), {r[0]: (r[1], r[2], r[3]) for r in rows}


_CHECKPOINTS = "SELECT id, size, root, note FROM checkpoints WHERE size >= $1 ORDER BY id"


async def checkpoints(
    conn: asyncpg.Connection, keys: list[note.Verifier], report: Report, at_least: int = 0
) -> Signed:
    """The stored checkpoints of at least ``at_least`` records (all of them for a full
    run; from the pin for an incremental one, whose cost must not grow with the log's
    history: a busy ledger signs one a second), each verified with a pinned key."""
    signed, largest = Signed({}), 0
    for row in await conn.fetch(_CHECKPOINTS, at_least):
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


# Below this, starting worker processes costs more than they save (the crossing point is
# measured in tests/bench/README.md).
PARALLEL_FROM = 262_144


async def verify(
    conn: asyncpg.Connection,
    keys: list[note.Verifier],
    progress: Progress,
    *,
    url: str | None = None,
    workers: int = 1,
    parallel_from: int = PARALLEL_FROM,
    height: int = stretches.HEIGHT,
    keep: bool = False,
) -> Report:
    """The database behind ``conn`` checked; with ``url`` and ``workers`` > 1, a log of at
    least ``parallel_from`` records is checked in that many processes reading the same
    snapshot, as stretches of 2**``height`` records; with ``keep``, the new pin state."""
    report = Report("database")
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        signed = await checkpoints(conn, keys, report)
        head = await conn.fetchrow("SELECT size, root FROM merkle_head WHERE id = 1")
        total, count = await conn.fetchrow(
            "SELECT coalesce(max(position), 0), count(*) FROM events"
        )
        sizes = frozenset(signed.sizes)
        if url and workers > 1 and count == total >= parallel_from:
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            parts = await verify_pool.check_in_workers(
                url, snapshot, total, sizes, workers, progress, height
            )
        else:  # gaps in the positions, or a small log: one stretch in this process
            parts = [await _alone(conn, sizes, total, progress)]
        pin = await kept(conn, signed) if keep and signed.largest else None
    tree, at_largest = _stitch(parts, signed, report)
    ends(tree, signed, head, report)
    if pin is not None and report.exit_code == 0:
        report.state = PinState(pin[0], signed.largest, tuple(at_largest.hashes), pin[1])
    return report


async def _alone(
    conn: asyncpg.Connection, sizes: frozenset[int], total: int, progress: Progress
) -> Stretch:
    async for stretch in stretches.check_all(conn, sizes, CHUNK):
        progress(stretch.tree.size, total)
    return stretch


def _stitch(
    parts: list[Stretch], signed: Signed, report: Report
) -> tuple[CompactRange, CompactRange]:
    """The stretches joined in order: continuity across their seams, the tree over all
    their leaves, and its root at every signed size; that tree, and it at the largest."""
    tree, heads, largest = CompactRange(), dict[str, Head](), CompactRange()
    for part in parts:
        report.extend(part.findings)
        for first in part.firsts:
            report.extend(continuity(first, heads.get(first[1])))
        heads.update(part.lasts)
        for size, local in sorted(part.at.items()):
            ident, root = signed.sizes[size]
            joined = tree.joined(local)
            largest = joined if size == signed.largest else largest
            if joined.root() != root:
                report.add(Finding("root", f"the first {size} records do not add up to the"
                                   f" root signed in checkpoint #{ident}: history was"
                                   " rewritten"))  # fmt: skip
        tree = tree.joined(part.tree)
    return tree, largest


def ends(tree: CompactRange, signed: Signed, head: Any, report: Report) -> None:
    count = report.events = tree.size
    report.size = signed.largest
    if count < signed.largest:
        report.add(Finding("truncated", f"the log holds {count} records, but a checkpoint"
                           f" signed {signed.largest}: records were removed"))  # fmt: skip
    if (head["size"], bytes(head["root"])) != (count, tree.root()):
        report.add(Finding("head", f"merkle_head (size {head['size']}) is not the tree over"
                           f" the {count} records"))  # fmt: skip
