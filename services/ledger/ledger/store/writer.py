"""The sequencer's writer: every append, from NATS or HTTP, through the connection that
holds leadership (see ``plumbing.leader``) and, for large batches, a second one beside it
(``ledger.store.lanes``): batches are sequenced one at a time, and the next is sent while the
one before it commits.

As the only writer it may remember what it wrote: the next position and each recent
incident's head (``ledger.store.heads``, which also takes reported incidents to be new). A batch
is first tried on that knowledge alone, without looking up its event_ids; a redelivered
event (or a report of an incident that was not new) then trips a unique index, the
transaction rolls back, and the batch is retried with every event_id and head checked.
Any other failure forgets everything, so the next batch starts from the table again.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

import asyncpg
import msgspec
from ledger_verify.tiles import TiledRange
from nats.aio.client import Client

from contracts.envelope import Envelope
from contracts.outcomes import Recorded
from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import Batch, Row, sequencing
from ledger.store import event_rows as store
from ledger.store import merkle_head
from ledger.store.heads import Heads
from ledger.store.lanes import Lanes, Turn

BeforeCommit = Callable[[Batch], Awaitable[None]]


class StreamOffset(msgspec.Struct, frozen=True):
    """The stream position a batch brings the ledger to, saved with the batch."""

    stream: str
    seq: int


def _saved(progress: StreamOffset | None) -> tuple[str, int] | None:
    return None if progress is None else (progress.stream, progress.seq)


class Writer:
    def __init__(
        self,
        conn: asyncpg.Connection,
        nc: Client,
        topology: Topology,
        origin: str,
        merkle_log: bool = True,
        second_lane: asyncpg.Connection | None = None,
    ) -> None:
        self.conn, self.nc, self.topology, self.origin = conn, nc, topology, origin
        self.merkle_log = merkle_log
        self.lanes = Lanes([conn] if second_lane is None else [conn, second_lane])
        self._heads = Heads()
        self._next: int | None = None
        self._tree: TiledRange | None = None  # the Merkle log as sequenced
        self._stored = 0  # the size merkle_head holds once the batches sequenced commit

    async def progress(self, stream: str) -> int:
        async with self.lanes.first.lock:
            return await store.read_progress(self.conn, stream)

    async def append(
        self,
        envelopes: Sequence[Envelope | Prepared],
        *,
        progress: StreamOffset | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> Batch:
        """Record ``envelopes`` in one transaction with ``progress``; ``before_commit`` runs
        inside it, once the outcomes are known (a failure there rolls everything back)."""
        async with self.lanes.turn() as turn:
            started = time.perf_counter()
            batch = await self._append(turn, envelopes, progress, before_commit)
            metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
        metrics.APPENDED.inc(len(batch.rows))
        await self._confirm(batch)
        return batch

    async def _append(
        self,
        turn: Turn,
        envelopes: Sequence[Envelope | Prepared],
        progress: StreamOffset | None,
        before_commit: BeforeCommit | None,
    ) -> Batch:
        try:
            if self.merkle_log and len(envelopes) <= store.ONE_TRIP_ROWS:
                return await self._append_alone(turn, envelopes, progress, before_commit)
            async with turn.conn.transaction():
                batch, rows = await self._sequence_known(turn, envelopes)
                await self._finish(turn, batch, rows, progress, before_commit)
            return batch
        except asyncpg.UniqueViolationError:
            self._forget()
            if not turn.ordered:  # only the insert trips it, before the order is passed on
                raise
            await turn.settle()
            async with turn.conn.transaction():
                batch = await store.check_all(turn.conn, envelopes, origin=self.origin)
                await self._finish(turn, batch, iter(batch.rows), progress, before_commit)
            return batch
        except BaseException:
            self._forget()
            raise

    async def _append_alone(
        self,
        turn: Turn,
        envelopes: Sequence[Envelope | Prepared],
        progress: StreamOffset | None,
        before_commit: BeforeCommit | None,
    ) -> Batch:
        """A small batch as one statement in a transaction of its own: without BEGIN and
        COMMIT, two round trips fewer (a millisecond or more of each event's latency on a
        busy machine). The reads before it need no transaction, as this writer alone
        writes, and the statement commits nothing unless the Merkle log moved as planned.
        ``before_commit`` runs before it, as it would before a COMMIT."""
        batch, rows = await self._sequence_known(turn, envelopes)
        list(rows)  # all made: the batch is whole
        if before_commit is not None:
            await before_commit(batch)
        await self._record_logged(turn, batch, _saved(progress))
        return batch

    async def _record_logged(self, turn: Turn, batch: Batch, saved: tuple[str, int] | None) -> None:
        """``batch`` (at most ONE_TRIP_ROWS records) and the Merkle log's move in one
        statement; only ``saved`` when it has no records. The statement moves the Merkle
        head before it waits for the append lock, so it goes only once the batches before
        it have committed (not sent behind them, as a COPY is)."""
        grown = None
        if batch.rows:
            await turn.settle()
            tree = await self._tree_at(turn, batch.rows[0].position - 1)
            grown = merkle_head.extended(tree, (row.record for row in batch.rows))
            moves = merkle_head.Moves(self._stored, grown)
            await store.append_logged(turn.conn, batch.rows, moves, saved)
        elif saved is not None:
            await store.save_progress(turn.conn, *saved)
        self._sequenced(turn, batch, grown)

    async def _finish(
        self,
        turn: Turn,
        batch: Batch,
        rows: Iterator[Row],
        progress: StreamOffset | None,
        before_commit: BeforeCommit | None,
    ) -> None:
        """Record ``batch``, whose ``rows`` are made as they are taken (the batch is whole
        once they are all taken), with ``progress``; then ``before_commit``."""
        saved = _saved(progress)
        first = list(itertools.islice(rows, store.ONE_TRIP_ROWS + 1))  # all, if that few
        if len(first) > store.ONE_TRIP_ROWS or (first and not self.merkle_log):
            await self._copy(turn, batch, itertools.chain(first, rows), saved)
        else:
            await self._record_logged(turn, batch, saved)
        if before_commit is not None:
            await before_commit(batch)

    async def _copy(
        self, turn: Turn, batch: Batch, rows: Iterable[Row], saved: tuple[str, int] | None
    ) -> None:
        """COPY the rows, the Merkle log growing as they are taken; once COPY returns, the
        batch holds the append lock and the next one may be sequenced (``ledger.store.lanes``)."""
        grown = moves = None
        if self.merkle_log:
            tree = await self._tree_at(turn, batch.rows[0].position - 1)
            grown = tree.copy()
            rows = merkle_head.growing(grown, rows)
        await store.insert(turn.conn, rows)
        if grown is not None:
            moves = merkle_head.Moves(self._stored, grown)  # takes its tile writes first
        self._sequenced(turn, batch, grown)
        if moves is not None:
            await merkle_head.save(turn.conn, moves)
        await store.notify(turn.conn, batch.rows[-1].position, saved)

    async def _tree_at(self, turn: Turn, size: int) -> TiledRange:
        """The Merkle log of ``size`` records (read back, if this writer does not hold it,
        once everything before is in the table)."""
        if self._tree is None or self._tree.size != size:
            await turn.settle()
            self._tree, self._stored = await merkle_head.load(turn.conn, size)
        return self._tree

    async def _sequence_known(
        self, turn: Turn, envelopes: Sequence[Envelope | Prepared]
    ) -> tuple[Batch, Iterator[Row]]:
        """The batch on what this writer knows, and its rows, made as they are taken."""
        if self._next is None:
            await turn.settle()
            self._next = await store.next_position(turn.conn)
        heads = await self._heads.of(turn.conn, envelopes)
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

    def _sequenced(self, turn: Turn, batch: Batch, grown: TiledRange | None) -> None:
        """Remember ``batch`` as if committed, and let the next one go on if it holds the
        append lock (it does if it inserted records)."""
        self._heads.remember(batch.heads)
        if grown is not None:
            self._tree, self._stored = grown, grown.size
        if batch.rows:
            self._next = batch.rows[-1].position + 1
            turn.pass_on()

    def _forget(self) -> None:
        self._heads.clear()
        self._next = None
        self._tree = None

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
        async with self.lanes.first.lock:
            await self.conn.fetchval("SELECT 1")

    async def close(self) -> None:
        """Let go of the connections, and with them the lead, whatever state they are in."""
        await self.lanes.close()
