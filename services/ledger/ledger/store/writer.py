"""The sequencer's writer: every append, from NATS or HTTP, through the connection that
holds leadership (see ``plumbing.leader``) and, for large batches, a second one beside it
(``ledger.store.lanes``): batches are sequenced one at a time, the next one while the one
before it is sent, and sent while the one before it commits.

As the only writer it may remember what it wrote: the next position and each recent
incident's head (``ledger.store.heads``, which also takes reported incidents to be new). A batch
is first tried on that knowledge alone, without looking up its event_ids; a redelivered
event (or a report of an incident that was not new) then trips a unique index, the
transaction rolls back, and the batch is retried with every event_id and head checked.
Any other failure forgets everything, so the next batch starts from the table again.

A batch is sequenced whole (``ledger.domain.sequencer``: its rows and every outcome, one
value) before anything of it is sent; the caller's ``before_storing`` runs then, before the
insert. The append lock, taken at the end of the insert, is held only for the Merkle
head's move, the stream position, the wake-up and the commit: no network I/O but
PostgreSQL's. What the outcomes tell others (rejection records, confirmations) is sent by
the caller (``ledger.ingest``). Every batch is sealed first (``ledger.store.sealer``: no
personal value enters a record), one at a time in the order batches are given, while the
batch before it waits for its turn or is sent: sealing is off the ordered path.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime

import asyncpg
import msgspec
from ledger_verify.tiles import TiledRange

from contracts.envelope import Envelope
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import Batch, IncidentHead, Row, sequence
from ledger.domain.stalls import APPEND, COMMIT, REJECT, SEAL, SEQUENCE, TURN
from ledger.store import event_rows as store
from ledger.store import merkle_head
from ledger.store.cycle_marks import UNMARKED, Cycle
from ledger.store.heads import Heads
from ledger.store.lanes import Lanes, Turn
from ledger.store.sealer import Sealer

BeforeStoring = Callable[[Batch], Awaitable[None]]
Ahead = tuple[int, Batch]  # a batch sequenced before its turn, and the epoch it relied on


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
        origin: str,
        merkle_log: bool = True,
        second_lane: asyncpg.Connection | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self.conn, self.origin, self.merkle_log = conn, origin, merkle_log
        self.sealer = sealer  # None: personal values recorded as published (tests only)
        self._sealing = asyncio.Lock()  # FIFO: one batch sealed at a time, in the order given
        self.lanes = Lanes([conn] if second_lane is None else [conn, second_lane])
        self._heads = Heads()
        self._next: int | None = None
        self._tree: TiledRange | None = None  # the Merkle log as sequenced
        self._stored = 0  # the size merkle_head holds once the batches sequenced commit
        self._epoch = 0  # moved on whenever what this writer knows is forgotten
        self._unsettled = 0  # batches taken in order whose outcomes are not final yet

    async def progress(self, stream: str) -> int:
        async with self.lanes.first.lock:
            return await store.read_progress(self.conn, stream)

    async def append(
        self,
        envelopes: Sequence[Envelope | Prepared],
        *,
        progress: StreamOffset | None = None,
        before_storing: BeforeStoring | None = None,
        cycle: Cycle = UNMARKED,
    ) -> Batch:
        """Record ``envelopes`` in one transaction with ``progress``. ``before_storing`` runs
        once the outcomes are known, before anything is sent to be stored, so without the
        append lock (a failure there stores nothing; it runs again if the batch is retried).
        Telling anyone of the outcomes is the caller's, once this returns. Each stage's
        end is marked on ``cycle`` (``ledger.domain.stalls``)."""
        if self.sealer is not None:
            async with self._sealing:  # FIFO: batches sealed in the order given
                envelopes = await self.sealer.seal(envelopes)
            cycle.mark(SEAL)
        # No wait between the sealing lock's release and the queue for the turn: the batch
        # queues there before the next one is sealed, so batches are taken in the order given.
        async with contextlib.AsyncExitStack() as stack:
            given = envelopes
            turn, ahead = await stack.enter_async_context(
                self.lanes.turn(lambda: self._first(given, cycle))
            )
            cycle.mark(TURN)
            started = time.perf_counter()
            batch = await self._append(turn, envelopes, progress, before_storing, ahead, cycle)
            metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
        metrics.APPENDED.inc(len(batch.rows))
        return batch

    async def _append(
        self,
        turn: Turn,
        envelopes: Sequence[Envelope | Prepared],
        progress: StreamOffset | None,
        before_storing: BeforeStoring | None,
        ahead: Ahead | None,
        cycle: Cycle,
    ) -> Batch:
        try:
            batch = await self._in_turn(turn, envelopes, ahead)
            cycle.mark(SEQUENCE)
            await self._store(turn, batch, progress, before_storing, cycle)
            return batch
        except asyncpg.UniqueViolationError:
            self._forget()
            if not turn.ordered:  # only the insert trips it, before the order is passed on
                raise
            await turn.settle()
            batch = await store.check_all(turn.conn, envelopes, origin=self.origin)
            self._remember(batch)
            cycle.mark(SEQUENCE)
            await self._store(turn, batch, progress, before_storing, cycle)
            return batch
        except BaseException:
            self._forget()
            raise

    async def _store(
        self,
        turn: Turn,
        batch: Batch,
        progress: StreamOffset | None,
        before_storing: BeforeStoring | None,
        cycle: Cycle,
    ) -> None:
        """``before_storing``, then ``batch`` with ``progress``: by COPY in a transaction if it
        is large (or the Merkle log is not kept), else in one statement, which needs none."""
        if before_storing is not None:
            await before_storing(batch)
            cycle.mark(REJECT)
        saved = _saved(progress)
        if not store.one_trip(batch.rows) or (batch.rows and not self.merkle_log):
            async with turn.conn.transaction():
                await self._copy(turn, batch, saved)
                cycle.mark(APPEND)
            cycle.mark(COMMIT)
        else:
            await self._record_logged(turn, batch, saved)
            cycle.mark(APPEND)  # the statement commits too

    async def _record_logged(self, turn: Turn, batch: Batch, saved: tuple[str, int] | None) -> None:
        """``batch`` (``store.one_trip``) and the Merkle log's move in one
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

    async def _copy(self, turn: Turn, batch: Batch, saved: tuple[str, int] | None) -> None:
        """COPY the rows, the Merkle log growing as they are sent; once COPY returns, the
        batch holds the append lock (until its commit: what follows here is all it does
        with it) and the next one may be sequenced (``ledger.store.lanes``)."""
        rows: Iterable[Row] = batch.rows
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

    def _first(self, envelopes: Sequence[Envelope | Prepared], cycle: Cycle) -> Ahead | None:
        """``_ahead``, its wait for the batches before and its sequencing marked."""
        cycle.mark(TURN)
        made = self._ahead(envelopes)
        cycle.mark(SEQUENCE)
        return made

    def _ahead(self, envelopes: Sequence[Envelope | Prepared]) -> Ahead | None:
        """The batch sequenced as soon as the batches before it have been taken, while the
        one before may still be sent (``Lanes.turn``): only if every batch before has its
        final outcomes and nothing needs reading from the table. It is used in its turn
        unless a failure made this writer forget since (``_in_turn``)."""
        heads = None
        if self._next is not None and not self._unsettled:
            heads = self._heads.known(envelopes)
        self._unsettled += 1  # until this batch's outcomes are final, none after it goes ahead
        if heads is None:
            return None
        try:
            return self._epoch, self._sequence(envelopes, heads)
        except BaseException:
            self._unsettled -= 1
            self._forget()
            raise

    async def _in_turn(
        self, turn: Turn, envelopes: Sequence[Envelope | Prepared], ahead: Ahead | None
    ) -> Batch:
        """The batch's final outcomes, once the batches before it have been sent."""
        try:
            if ahead is not None and ahead[0] == self._epoch:
                return ahead[1]
            if self._next is None:
                await turn.settle()
                self._next = await store.next_position(turn.conn)
            return self._sequence(envelopes, await self._heads.of(turn.conn, envelopes))
        finally:
            self._unsettled -= 1

    def _sequence(
        self, envelopes: Sequence[Envelope | Prepared], heads: dict[str, IncidentHead]
    ) -> Batch:
        """The batch on what this writer knows (no event_id looked up), remembered as if
        committed: the next batch is sequenced on it."""
        assert self._next is not None
        batch = sequence(
            envelopes,
            stored={},
            heads=heads,
            next_position=self._next,
            recorded_at=datetime.now(UTC),
            origin=self.origin,
        )
        self._remember(batch)
        return batch

    def _remember(self, batch: Batch) -> None:
        self._heads.remember(batch.heads)
        if batch.rows:
            self._next = batch.rows[-1].position + 1

    def _sequenced(self, turn: Turn, batch: Batch, grown: TiledRange | None) -> None:
        """Remember the Merkle log as if ``batch`` committed, and let the next one be sent
        if it holds the append lock (it does if it inserted records)."""
        if grown is not None:
            self._tree, self._stored = grown, grown.size
        if batch.rows:
            turn.pass_on()

    def _forget(self) -> None:
        self._epoch += 1
        self._heads.clear()
        self._next = None
        self._tree = None

    async def free(self) -> None:
        """Return once the batches given so far have been sealed and taken in order, so
        that a batch given now would be sealed and sequenced at once."""
        async with self._sealing:
            pass
        await self.lanes.free()

    async def ping(self) -> None:
        async with self.lanes.first.lock:
            await self.conn.fetchval("SELECT 1")

    async def close(self) -> None:
        """Let go of the connections, and with them the lead, whatever state they are in."""
        await self.lanes.close()
