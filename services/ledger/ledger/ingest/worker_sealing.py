"""Sealing in a decoding worker (``ledger.ingest.decode_pool``), so that a large batch's
personal values are sealed on the worker's core, beside the sequencer, not on its own.

The worker seals with a :class:`~ledger.store.sealer.Sealer` of its own: its own
connection and its own cache of the subjects' keys. Every guarantee of sealing is the
sealing statement's, whichever process runs it (``ledger.store.sealed_writes``): a value is
stored only under a key held when it runs, a key made elsewhere meanwhile is found, an
erased one is never used again. Its commit does not wait for the disk; the records that
name its values commit after it (the worker answers only once it has), synchronously, and
flush the WAL up to theirs, which holds it.

A correction is left to the writer's sealer, which sees every batch in order and so finds
the corrected event in the batches before it that are not recorded yet (a worker sees only
its part of one batch). Whatever fails here (the connection, a rotated master key, a
statement that takes longer than ``TIMEOUT``) leaves the batch unsealed, marked so, for the
writer's sealer to seal: nothing is lost to it. The worker connects again for a batch that
comes ``PAUSE`` seconds after a failure or later; until then, it leaves sealing to the
writer.
"""

from __future__ import annotations

import asyncio
import time
from typing import Final

import msgspec

from contracts.lifecycle import name_of
from contracts.subjects import CORRECTION
from ledger.domain.prepared import Prepared
from ledger.store import sealed_writes
from ledger.store.sealer import Sealer
from ledger.store.sealing import MasterKey

TIMEOUT: Final = 30.0  # seconds a batch's sealing may take here before the writer's does it
PAUSE: Final = 5.0  # seconds without sealing here after a failure


class SealingTarget(msgspec.Struct, frozen=True):
    """Where a worker stores what it seals, and the key that wraps the subjects' keys."""

    database_url: str
    master: MasterKey

    def __repr__(self) -> str:  # the URL may hold a password, the key is the secret
        return "SealingTarget(…)"


class _WorkerSealer:
    def __init__(self, target: SealingTarget) -> None:
        self.target, self.loop = target, asyncio.new_event_loop()
        self.sealer: Sealer | None = None
        self.paused_until = 0.0

    async def seal(self, prepared: list[Prepared]) -> list[Prepared]:
        if self.sealer is None:
            conn = await sealed_writes.connect(self.target.database_url)
            self.sealer = Sealer(conn, self.target.master)
        sealed = await self.sealer.seal(prepared)
        return [msgspec.structs.replace(p, sealed=True) for p in sealed]

    def forget(self) -> None:
        """Let the connection go, and pause (the next batch after the pause connects again)."""
        if self.sealer is not None and not self.sealer.conn.is_closed():
            self.sealer.conn.terminate()
        self.sealer, self.paused_until = None, time.monotonic() + PAUSE


_worker: _WorkerSealer | None = None


def start(target: SealingTarget | None) -> None:
    """In a worker as it starts: seal there with ``target`` (None: leave it to the writer)."""
    global _worker
    _worker = None if target is None else _WorkerSealer(target)


def sealed(prepared: list[Prepared]) -> tuple[list[Prepared], str | None]:
    """``prepared`` sealed here and marked so (corrections left as they are), and None; or,
    if this worker does not seal, pauses or failed, ``prepared`` as it was and why (None
    while paused) for the writer to seal them."""
    if _worker is None or time.monotonic() < _worker.paused_until:
        return prepared, None
    corrections = [name_of(p.type) == CORRECTION for p in prepared]
    ours = [p for p, left in zip(prepared, corrections, strict=True) if not left]
    if not ours:
        return prepared, None
    try:
        done = _worker.loop.run_until_complete(asyncio.wait_for(_worker.seal(ours), TIMEOUT))
    except Exception as exc:  # the batch is sealed by the writer instead
        _worker.forget()
        return prepared, type(exc).__name__
    answers = iter(done)  # in the order of ``ours``
    return [
        p if left else next(answers) for p, left in zip(prepared, corrections, strict=True)
    ], None
