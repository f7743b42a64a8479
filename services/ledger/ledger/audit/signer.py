"""The checkpoint signer: signs the Merkle log's head as a C2SP checkpoint, every second or
every 1,000 records, whichever comes first, and again when idle.

It trusts nothing the database says about the past. It keeps its own compact range in a
state file of its own (beside its key, which the database never sees), extends it with
the records appended since, and signs only when the result equals ``merkle_head``: an old
record rewritten, with the head recomputed to match, no longer adds up, and the signer
refuses, raising an alert. Each checkpoint is stored (append-only), written to an
outside directory that is never overwritten, and published on ``incidents.checkpoints``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec
import structlog
from ledger_verify import note
from ledger_verify.compact import CompactRange

from ledger.store import merkle_head
from plumbing import leader, transient
from plumbing.paths import private_dir, write_private

log = structlog.get_logger(__name__)
_TRANSIENT = transient.DATABASE_OR_NATS
LOCK_KEY = 7301746716318023683  # the signer's leadership (the sequencer's is leader.LOCK_KEY)
Publish = Callable[[str], Awaitable[None]]


class Refused(RuntimeError):
    """The database's history no longer matches what the signer saw: nothing is signed."""


class Policy(msgspec.Struct, frozen=True):
    interval: float = 1.0  # seconds between checkpoints while records arrive
    every: int = 1000  # records that make a checkpoint due at once
    idle: float = 60.0  # seconds after which the same head is signed again


class State(msgspec.Struct):
    size: int = 0
    hashes: list[bytes] = []
    signed_size: int = -1
    signed_at: float = 0.0


class Signer:
    def __init__(
        self, key: note.Signer, origin: str, state_dir: Path, out_dir: Path, policy: Policy
    ) -> None:
        self.key, self.origin, self.policy = key, origin, policy
        self.state_file, self.out_dir = state_dir / "signer-state.json", out_dir
        private_dir(state_dir)
        private_dir(out_dir)
        known = self.state_file.exists()
        self.state = (
            msgspec.json.decode(self.state_file.read_bytes(), type=State) if known else State()
        )
        if not known:
            log.warning("no signer state yet: the first checkpoint trusts the log as it is now")

    async def tick(self, conn: asyncpg.Connection, publish: Publish, now: float) -> str | None:
        """Sign the head if a checkpoint is due; the signed note, or None."""
        head = await conn.fetchrow("SELECT size, root FROM merkle_head WHERE id = 1")
        tree = await self._derived(conn, int(head["size"]))
        if tree.root() != bytes(head["root"]):
            raise Refused(
                f"merkle_head at size {tree.size} does not match the records as the signer "
                "derived them from its own state: history was rewritten"
            )
        if not self._due(tree.size, now):
            return None
        signed = note.sign(self._body(tree, now), self.key)
        await conn.execute(
            "INSERT INTO checkpoints (size, root, note) VALUES ($1, $2, $3)",
            tree.size,
            tree.root(),
            signed,
        )
        self._write_out(tree.size, now, signed)
        await publish(signed)
        self.state = State(tree.size, tree.hashes, tree.size, now)
        self._save()
        return signed

    async def _derived(self, conn: asyncpg.Connection, size: int) -> CompactRange:
        tree = CompactRange(self.state.size, self.state.hashes)
        if size < tree.size:
            raise Refused(f"the log shrank: merkle_head is at {size}, {tree.size} were signed")
        try:
            await merkle_head.catch_up(conn, tree, size)
        except merkle_head.MissingRecords as exc:
            raise Refused(f"{exc} (merkle_head is at {size})") from None
        return tree

    def _due(self, size: int, now: float) -> bool:
        since = now - self.state.signed_at
        if size == self.state.signed_size:
            return since >= self.policy.idle
        grown = size - max(self.state.signed_size, 0)
        return grown >= self.policy.every or since >= self.policy.interval

    def _body(self, tree: CompactRange, now: float) -> str:
        body = note.checkpoint_body(self.origin, tree.size, tree.root())
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return body + f"time {stamp}\n"  # an extension line: re-signing shows freshness

    def _write_out(self, size: int, now: float, signed: str) -> None:
        path = self.out_dir / f"{size:012d}-{now:.3f}.checkpoint"
        # never overwrites (WORM stand-in); read-only, its owner's alone
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400), "w") as out:
            out.write(signed)

    def _save(self) -> None:
        write_private(self.state_file, msgspec.json.encode(self.state))


async def run(
    database_url: str, signer: Signer, publish: Publish, alert: Publish, stop: asyncio.Event
) -> None:
    """Lead (or stand by) and tick five times a second until ``stop``. One signer signs at
    a time; a standby (its own key copy and saved state) takes over when the leader's
    session ends, and catches its state up before it signs. A lost database or NATS
    connection gives the lead up and tries again, like the ingest."""
    while not stop.is_set():
        conn = await leader.acquire(database_url, stop, key=LOCK_KEY, role="checkpoint signer")
        if conn is None:
            return
        try:
            await _sign_while_leading(conn, signer, publish, alert, stop)
        except _TRANSIENT as exc:
            log.error("stopped signing after an error; will try again", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        finally:
            with contextlib.suppress(*_TRANSIENT):
                await conn.close(timeout=2)


async def _sign_while_leading(
    conn: asyncpg.Connection, signer: Signer, publish: Publish, alert: Publish, stop: asyncio.Event
) -> None:
    """A refusal is alerted once per reason and signing stays off until the history adds
    up again (or an operator steps in)."""
    refused: str | None = None
    while not stop.is_set():
        try:
            await signer.tick(conn, publish, time.time())
            refused = None
        except Refused as exc:
            if str(exc) != refused:
                refused = str(exc)
                log.error("refusing to sign", reason=refused)
                await alert(refused)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
