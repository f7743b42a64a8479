"""The sequencer's writer: every append, from NATS or HTTP, through one connection, the one
that holds leadership (see ``ledger.leader``), one batch at a time.

As the only writer it may remember what it wrote: the next position and each recent
incident's head (``ledger.heads``, which also takes reported incidents to be new). A batch
is first tried on that knowledge alone, without looking up its event_ids; a redelivered
event (or a report of an incident that was not new) then trips a unique index, the
transaction rolls back, and the batch is retried with every event_id and head checked.
Any other failure forgets everything, so the next batch starts from the table again.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

import asyncpg
import msgspec
from ledger_verify.tiles import TiledRange
from nats.aio.client import Client

from contracts.envelope import Envelope
from contracts.topology import Topology
from ledger import merkle_head, metrics, store
from ledger.heads import Heads
from ledger.prepared import Prepared
from ledger.sequencer import Batch, Recorded, Row, sequencing

BeforeCommit = Callable[[Batch], Awaitable[None]]


class Progress(msgspec.Struct, frozen=True):
    """The stream position a batch brings the ledger to, saved with the batch."""

    stream: str
    seq: int


def _saved(progress: Progress | None) -> tuple[str, int] | None:
    return None if progress is None else (progress.stream, progress.seq)


class Writer:
    def __init__(
        self,
        conn: asyncpg.Connection,
        nc: Client,
        topology: Topology,
        origin: str,
        merkle_log: bool = True,
    ) -> None:
        self.conn, self.nc, self.topology, self.origin = conn, nc, topology, origin
        self.merkle_log = merkle_log
        self._lock = asyncio.Lock()
        self._heads = Heads()
        self._next: int | None = None
        self._tree: TiledRange | None = None  # the Merkle log as committed
        self._stored = 0  # the size merkle_head holds
        self._grown: TiledRange | None = None  # the tree once this batch commits

    async def progress(self, stream: str) -> int:
        async with self._lock:
            return await store.read_progress(self.conn, stream)

    async def append(
        self,
        envelopes: Sequence[Envelope | Prepared],
        *,
        progress: Progress | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> Batch:
        """Record ``envelopes`` in one transaction with ``progress``; ``before_commit`` runs
        inside it, once the outcomes are known (a failure there rolls everything back)."""
        async with self._lock:
            started = time.perf_counter()
            batch = await self._append(envelopes, progress, before_commit)
            metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
            self._remember(batch)
            if self._grown is not None:
                self._tree, self._stored, self._grown = self._grown, self._grown.size, None
        metrics.APPENDED.inc(len(batch.rows))
        await self._confirm(batch)
        return batch

    async def _append(
        self,
        envelopes: Sequence[Envelope | Prepared],
        progress: Progress | None,
        before_commit: BeforeCommit | None,
    ) -> Batch:
        try:
            if self.merkle_log and len(envelopes) <= store.ONE_TRIP_ROWS:
                return await self._append_alone(envelopes, progress, before_commit)
            async with self.conn.transaction():
                batch, rows = await self._sequence_known(envelopes)
                await self._finish(batch, rows, progress, before_commit)
            return batch
        except asyncpg.UniqueViolationError:
            self._forget()
            async with self.conn.transaction():
                batch = await store.check_all(self.conn, envelopes, origin=self.origin)
                await self._finish(batch, iter(batch.rows), progress, before_commit)
            return batch
        except BaseException:
            self._forget()
            raise

    async def _append_alone(
        self,
        envelopes: Sequence[Envelope | Prepared],
        progress: Progress | None,
        before_commit: BeforeCommit | None,
    ) -> Batch:
        """A small batch as one statement in a transaction of its own: without BEGIN and
        COMMIT, two round trips fewer (a millisecond or more of each event's latency on a
        busy machine). The reads before it need no transaction, as this writer alone
        writes, and the statement commits nothing unless the Merkle log moved as planned.
        ``before_commit`` runs before it, as it would before a COMMIT."""
        batch, rows = await self._sequence_known(envelopes)
        list(rows)  # all made: the batch is whole
        if before_commit is not None:
            await before_commit(batch)
        await self._record_logged(batch, _saved(progress))
        return batch

    async def _record_logged(self, batch: Batch, saved: tuple[str, int] | None) -> None:
        """``batch`` (at most ONE_TRIP_ROWS records) and the Merkle log's move in one
        statement; only ``saved`` when it has no records."""
        if batch.rows:
            grown = await self._grow(batch)  # first: it may load the stored size
            moves = merkle_head.Moves(self._stored, grown)
            await store.append_logged(self.conn, batch.rows, moves, saved)
        elif saved is not None:
            await store.save_progress(self.conn, *saved)

    async def _finish(
        self,
        batch: Batch,
        rows: Iterator[Row],
        progress: Progress | None,
        before_commit: BeforeCommit | None,
    ) -> None:
        """Record ``batch``, whose ``rows`` are made as they are taken (the batch is whole
        once they are all taken), with ``progress``; then ``before_commit``."""
        saved = _saved(progress)
        first = list(itertools.islice(rows, store.ONE_TRIP_ROWS + 1))  # all, if that few
        if len(first) > store.ONE_TRIP_ROWS or (first and not self.merkle_log):
            made: Iterable[Row] = itertools.chain(first, rows)
            if self.merkle_log:
                made = await self._growing(first[0].position, made)
            await store.insert(self.conn, made)
            if self.merkle_log and self._grown is not None:
                await merkle_head.save(self.conn, self._stored, self._grown)
            await store.notify(self.conn, batch.rows[-1].position, saved)
        else:
            await self._record_logged(batch, saved)
        if before_commit is not None:
            await before_commit(batch)

    async def _grow(self, batch: Batch) -> TiledRange:
        """The Merkle log over the batch's records, to be moved in the batch's transaction
        (kept as ``_grown`` until it commits)."""
        tree = await self._tree_at(batch.rows[0].position - 1)
        self._grown = merkle_head.extended(tree, (row.record for row in batch.rows))
        return self._grown

    async def _growing(self, first: int, rows: Iterable[Row]) -> Iterator[Row]:
        """``rows``, from position ``first``, appended to a copy of the Merkle log as they
        are taken (``_grown``, whole once they all are)."""
        self._grown = (await self._tree_at(first - 1)).copy()
        return merkle_head.growing(self._grown, rows)

    async def _tree_at(self, size: int) -> TiledRange:
        """The Merkle log as committed, of ``size`` records (loaded only if it is not)."""
        if self._tree is None or self._tree.size != size:
            self._tree, self._stored = await merkle_head.load(self.conn, size)
        return self._tree

    async def _sequence_known(
        self, envelopes: Sequence[Envelope | Prepared]
    ) -> tuple[Batch, Iterator[Row]]:
        """The batch on what this writer knows, and its rows, made as they are taken."""
        if self._next is None:
            self._next = await store.next_position(self.conn)
        heads = await self._heads.of(self.conn, envelopes)
        batch = Batch(rows=[], outcomes=[])
        return batch, sequencing(
            batch,
            envelopes,
            stored={},
            heads=heads,
            next_position=self._next,
            recorded_at=datetime.now(UTC),
            origin=self.origin,
        )

    def _remember(self, batch: Batch) -> None:
        self._heads.remember(batch.heads)
        if batch.rows:
            self._next = batch.rows[-1].position + 1

    def _forget(self) -> None:
        self._heads.clear()
        self._next = None
        self._tree = self._grown = None

    async def _confirm(self, batch: Batch) -> None:
        """Tell downstream subscribers what was committed (core NATS, best effort: the
        ledger itself is the record)."""
        for outcome in batch.outcomes:
            if isinstance(outcome, Recorded):
                await self.nc.publish(
                    self.topology.recorded_subject(outcome.incident_id),
                    msgspec.json.encode(outcome),
                )

    async def ping(self) -> None:
        async with self._lock:
            await self.conn.fetchval("SELECT 1")

    async def close(self) -> None:
        """Let go of the connection, and with it the lead, whatever state it is in."""
        if self.conn.is_closed():
            return
        try:
            await asyncio.wait_for(self.conn.close(), 5)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            self.conn.terminate()
