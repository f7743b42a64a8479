"""A loss run reads its next rows while it renders the ones it has: a reader who leaves
mid-run, however, leaves no read under way, nor a connection the pool hands out again
busy with one."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import asyncpg
import msgspec
import pytest
from asyncpg.cursor import Cursor

from ledger_api.routes import loss_records
from ledger_api.routes.loss_records import body
from projector.domain.loss_run import Line
from projector.views import lossrun
from tests.integration.api_story import Story
from tests.integration.loss_run_story import HEADER, history

pytestmark = pytest.mark.integration


def _pausing(
    paused: asyncio.Event, stuck: asyncio.Event | None = None
) -> Callable[[list[Line]], Awaitable[list[Line]]]:
    """A reader's opening of sealed values that never ends once the second row is in
    (``stuck`` set then)."""

    async def reveal(rows: list[Line]) -> list[Line]:
        if paused.is_set():
            if stuck is not None:
                stuck.set()
            await asyncio.Event().wait()
        paused.set()
        return rows

    return reveal


class _Reads:
    """The cursor's reads, each taking a while (so that one is under way when the reader
    leaves), and how many are under way."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.running, self.delay, fetch = 0, 0.05, Cursor.fetch

        async def slow(cursor: Cursor[Any], n: int) -> Any:
            self.running += 1
            try:
                await asyncio.sleep(self.delay)
                return await fetch(cursor, n)
            finally:
                self.running -= 1

        monkeypatch.setattr(Cursor, "fetch", slow)


async def _whole(pool: asyncpg.Pool, query: lossrun.Query) -> bytes:
    return b"".join([chunk async for chunk in body("csv", pool, query, HEADER)])


async def _every_connection_answers(pool: asyncpg.Pool) -> None:
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        assert [await conn.fetchval("SELECT 1") for conn in held] == [1] * len(held)
    finally:
        for conn in held:
            await pool.release(conn)


async def test_a_reader_leaving_mid_run_leaves_every_connection_free(
    told: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the story's run read a row and a book a round trip (a read always under way),
    when one reader closes the run after its first rows and another is cancelled while
    reading, then every connection of the pool answers, and a run read whole is the same
    as before."""
    instants = await history(told)
    reads = _Reads(monkeypatch)
    monkeypatch.setattr(loss_records, "BATCH", 1)
    monkeypatch.setattr(lossrun, "PREFETCH", 1)
    for query in (lossrun.Query(), lossrun.Query(as_of=instants[-1])):
        whole = await _whole(told.pool, query)
        chunks = body("csv", told.pool, query, HEADER)
        assert [await anext(chunks), await anext(chunks)]
        await chunks.aclose()
        assert reads.running == 0
        paused = asyncio.Event()
        opening = msgspec.structs.replace(query, redact=False, reveal=_pausing(paused))
        reading = asyncio.create_task(_whole(told.pool, opening))
        await asyncio.wait_for(paused.wait(), 30)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        assert reads.running == 0
        await _every_connection_answers(told.pool)
        reads.delay = 0.2  # a read still under way while the reader is stuck in its opening
        await _left_as_a_streamed_response_is(told.pool, query)
        reads.delay = 0.05
        assert reads.running == 0
        await _every_connection_answers(told.pool)
        assert await _whole(told.pool, query) == whole


async def _left_as_a_streamed_response_is(pool: asyncpg.Pool, query: lossrun.Query) -> None:
    """A run read in an anyio task group whose scope is cancelled mid-run, as Litestar
    streams a body and stops when its client goes: such a scope cancels every await again,
    the last wait for a read under way included."""
    paused, stuck = asyncio.Event(), asyncio.Event()
    opening = msgspec.structs.replace(query, redact=False, reveal=_pausing(paused, stuck))
    async with anyio.create_task_group() as group:
        group.start_soon(_whole, pool, opening)
        await asyncio.wait_for(stuck.wait(), 30)
        group.cancel_scope.cancel()
