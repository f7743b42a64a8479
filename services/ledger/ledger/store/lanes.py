"""The writer's connections ("lanes"), so that a large batch is sent while the one before
it commits.

Batches are taken strictly one after another (``Lanes.ahead``: the writer may sequence one
there, while the one before it is being sent) and sent in the same order (``Lanes.order``),
each on the next lane. A batch gives up the order once its records are in the table: from
then on it holds the ledger's append lock (``events_gapless`` takes it at the end of the
insert) until it commits, so the next batch, sent meanwhile on the other lane, queues
behind it in PostgreSQL and commits after it, or fails with it: its positions follow this
batch's, and the gapless check and the Merkle head's fence refuse them unless this batch
committed. What the writer knows (next position, incident heads, the Merkle log) is
therefore updated before a batch commits; and whenever it must read something back from
the table, it first waits for the other lanes to finish (``settle``).

A lane serves one batch at a time. The lane that holds the lead (``plumbing.leader``) is the
first; a writer with one lane works as before, one batch at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TypeVar

import asyncpg

from plumbing import transient

T = TypeVar("T")


class Lane:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.lock = asyncio.Lock()  # one batch (or ping) at a time on the connection


class Turn:
    """One append's place in the order, and its lane."""

    def __init__(self, lanes: Lanes, lane: Lane) -> None:
        self.lanes, self.lane, self.ordered = lanes, lane, True

    @property
    def conn(self) -> asyncpg.Connection:
        return self.lane.conn

    def pass_on(self) -> None:
        """Let the next batch be sent (once this one holds the append lock)."""
        if self.ordered:
            self.ordered = False
            self.lanes.order.release()

    async def settle(self) -> None:
        """Wait until the batches on the other lanes have committed or failed, so that
        the table holds everything before this batch."""
        for lane in self.lanes.all:
            if lane is not self.lane:
                async with lane.lock:
                    pass


class Lanes:
    def __init__(self, conns: Sequence[asyncpg.Connection]) -> None:
        self.all = [Lane(conn) for conn in conns]
        self.ahead = asyncio.Lock()  # FIFO: batches are taken in the order they came
        self.order = asyncio.Lock()  # FIFO: and sent in that order
        self._next = 0

    @property
    def first(self) -> Lane:
        return self.all[0]

    @contextlib.asynccontextmanager
    async def turn(self, first: Callable[[], T]) -> AsyncIterator[tuple[Turn, T]]:
        """``first()`` once the batches before have been taken (it may sequence the batch
        before its turn), then the order and the next lane (free once the batch before last
        on it is done)."""
        async with self.ahead:
            made = first()
            await self.order.acquire()  # queued before the next batch's ``first()``
        lane = self.all[self._next]
        try:
            await lane.lock.acquire()
        except BaseException:
            self.order.release()
            raise
        self._next = (self._next + 1) % len(self.all)
        turn = Turn(self, lane)
        try:
            yield turn, made
        finally:
            turn.pass_on()
            lane.lock.release()

    async def free(self) -> None:
        """Return once the batches given so far have been taken in order (each waiting to
        be sent, sending, or done), so that a batch given now would be sequenced at once."""
        async with self.ahead:
            pass

    async def close(self) -> None:
        for lane in self.all:
            await _close(lane.conn)


async def _close(conn: asyncpg.Connection) -> None:
    if conn.is_closed():
        return
    try:
        await asyncio.wait_for(conn.close(), 5)
    except transient.DATABASE:
        conn.terminate()
