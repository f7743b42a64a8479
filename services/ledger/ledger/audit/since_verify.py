"""``ledger verify --since STATE``: the live database checked from a pin state an earlier
run left (``ledger_verify.pin_state``), reading only the records after it.

Every stored checkpoint from the pin's size on must still verify with a pinned key (those
below it are a full run's to check), and none may sign fewer records than the pin (a
rollback: untrusted) or other roots for its size (a fork). The records after the pin get
every check a full run gives them (canonical bytes, position, columns, the hash tiles
written at append time, continuity from the heads the state holds), and the pinned tree,
extended with their leaves, must have the signed root at every later signed size: that is
the consistency of each later checkpoint with the pin.
"""

from __future__ import annotations

import asyncpg
from ledger_verify import note
from ledger_verify.pin_state import Pinned, PinState
from ledger_verify.report import Finding, Report, Stop
from ledger_verify.trust import Checkpoint, against_pin

from ledger.audit import live_verify, stretches
from ledger.audit.live_verify import Progress, Signed

__all__ = ["verify_since"]


async def verify_since(
    conn: asyncpg.Connection,
    keys: list[note.Verifier],
    pinned: Pinned,
    progress: Progress,
    *,
    batch: int = live_verify.CHUNK,
) -> Report:
    """The database behind ``conn`` checked from ``pinned``; a valid run leaves the pin
    state at the latest signed checkpoint on ``report.state``."""
    report, size = Report("database"), pinned.checkpoint.size
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        signed = await live_verify.checkpoints(conn, keys, report, size)
        try:
            _against(pinned.checkpoint, signed, report)
        except Stop as stop:
            report.stop(stop)
            return report
        head = await conn.fetchrow("SELECT size, root FROM merkle_head WHERE id = 1")
        total = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
        later = frozenset(s for s in signed.sizes if s > size)
        stretch, heads = await stretches.check_after(
            conn, pinned.tree, pinned.heads, later, signed.largest,
            lambda done: progress(done - size, total - size), batch,
        )  # fmt: skip
        ident = signed.sizes.get(signed.largest, (None, b""))[0]
        text = await conn.fetchval("SELECT note FROM checkpoints WHERE id = $1", ident)
    report.extend(stretch.findings)
    for at, tree in sorted(stretch.at.items()):
        if tree.root() != signed.sizes[at][1]:
            report.add(Finding("root", f"the pinned tree and the records after it do not add"
                               f" up to the root signed in checkpoint #{signed.sizes[at][0]}"
                               f" for {at} records: the log is not an extension of the pin"
                               " (history before it rewritten), or these records differ"
                               " from the ones signed"))  # fmt: skip
    live_verify.ends(stretch.tree, signed, head, report)
    report.events = stretch.read  # counted as fetched: heads come from the state, not rows
    if report.exit_code == 0:
        tree = stretch.at.get(signed.largest, pinned.tree)
        report.state = PinState(str(text), signed.largest, tuple(tree.hashes), heads)
    return report


def _against(pin: Checkpoint, signed: Signed, report: Report) -> None:
    """The pin against the latest signed checkpoint (origin, rollback), and against the
    stored checkpoint of its own size, if any (a fork)."""
    largest = signed.sizes.get(signed.largest, (0, b""))[1]
    against_pin(pin, Checkpoint(report.origin or pin.origin, signed.largest, largest), report)
    same = signed.sizes.get(pin.size)
    if same is not None and pin.size != signed.largest and same[1] != pin.root:
        report.add(Finding("fork", f"checkpoint #{same[0]} signs another root for the"
                           f" pinned {pin.size} records: the log was rewritten since the"
                           " pin"))  # fmt: skip
