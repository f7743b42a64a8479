"""The access log's writer for the hottest reads (timelines): the rows of concurrent
requests are written together, one statement and one commit per batch, and each request
is answered only once its own row is committed, so that no read is ever served unlogged.

A batch is whatever arrived while the previous one was being written: no timer, no added
wait for a lone request, and under load one commit serves many readers.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

BATCH = 1_000  # rows per statement at most
_INSERT = """
INSERT INTO access_log (token_id, token_name, role, action, resource, params, status)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                     $6::jsonb[], $7::smallint[])
"""


class AccessWriter:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._waiting: list[tuple[list[Any], asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def record(self, row: list[Any], status: int) -> None:
        """Log ``row`` (``access.values``) with ``status``; returns once it is committed,
        and raises what writing it raised (a lost database answers 503, not the read)."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append(([*row, status], done))
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
                await self._write(batch)
        finally:
            self._writing = None

    async def _write(self, batch: list[tuple[list[Any], asyncio.Future[None]]]) -> None:
        failure: BaseException | None = None
        try:
            columns = zip(*(row for row, _ in batch), strict=True)
            await self._pool.execute(_INSERT, *map(list, columns))
        except BaseException as error:  # every waiter learns of it; cancellation goes on
            failure = error
        for _, done in batch:
            if done.done():
                continue  # its request went away
            if failure is None:
                done.set_result(None)
            elif isinstance(failure, asyncio.CancelledError):
                done.cancel()
            else:
                done.set_exception(failure)
        if isinstance(failure, asyncio.CancelledError):
            raise failure
