"""The positions a read reflects (the ledger's head, the read models'), read once for
many requests and waited for when a read asks for ``min_position``."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from litestar.exceptions import HTTPException

from ledger_api.paging import BadParameter

FRESH = 0.1  # seconds a position is reused for before it is read again
_POSITIONS = """
SELECT (SELECT coalesce(max(position), 0) FROM events) AS ledger,
       coalesce((SELECT cp.position FROM projection_state s JOIN projection_checkpoints cp
                 ON cp.projection = 'read_models_g' || s.active
                 WHERE s.name = 'read_models'), 0) AS projection,
       coalesce((SELECT active FROM projection_state WHERE name = 'read_models'), 0)
         AS generation
"""


class Positions:
    """The latest positions seen on each database the API reads from."""

    def __init__(self, patience: float = 2.0) -> None:
        self.patience = patience
        self._seen: dict[int, tuple[float, dict[str, int]]] = {}  # id(pool) → when, what
        self._reading: dict[int, asyncio.Future[dict[str, int]]] = {}  # id(pool) → read

    async def refresh(self, pool: asyncpg.Pool) -> dict[str, int]:
        """The positions read now: requests that ask while a read is on its way share it
        (it started after they asked, so it reflects at least what they wanted)."""
        started = time.monotonic()
        row = await pool.fetchrow(_POSITIONS)
        seen = dict(row.items())
        if self._seen.get(id(pool), (-FRESH, {}))[0] <= started:
            self._seen[id(pool)] = (started, seen)
        return seen

    async def current(self, pool: asyncpg.Pool) -> dict[str, int]:
        """Positions read at most ``FRESH`` ago; when they are older, one read for all."""
        read_at, seen = self._seen.get(id(pool), (-FRESH, {}))
        if time.monotonic() - read_at < FRESH:
            return seen
        reading = self._reading.get(id(pool))
        if reading is None:
            reading = self._reading[id(pool)] = asyncio.ensure_future(self.refresh(pool))
            reading.add_done_callback(lambda _: self._reading.pop(id(pool), None))
        return await asyncio.shield(reading)

    async def reach(
        self, pool: asyncpg.Pool, source: str, wanted: int, primary: asyncpg.Pool
    ) -> int:
        """The position once it is at least ``wanted``; 503 after ``patience``; 400 if
        ``wanted`` lies beyond the ledger itself (no answer can have carried it)."""
        deadline = time.monotonic() + self.patience
        seen = (await self.current(pool))[source]
        if seen < wanted and wanted > (head := (await self.refresh(primary))["ledger"]):
            raise BadParameter(
                "min_position", f"{wanted} lies beyond the ledger, which ends at {head}"
            )
        while seen < wanted:
            if time.monotonic() >= deadline:
                raise HTTPException(
                    status_code=503, headers={"Retry-After": "1"},
                    detail=f"the {'ledger' if source == 'ledger' else 'read models'} here"
                    f" reflect position {seen}, behind min_position {wanted}; retry shortly",
                )  # fmt: skip
            await asyncio.sleep(0.05)
            seen = (await self.refresh(pool))[source]
        return seen
