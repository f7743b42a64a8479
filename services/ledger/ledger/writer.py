"""The sequencer's writer: every append, from NATS or HTTP, through one connection, the one
that holds leadership (see ``ledger.leader``), one batch at a time."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import msgspec
from nats.aio.client import Client

from contracts.envelope import Envelope
from contracts.topology import Topology
from ledger import metrics, store
from ledger.sequencer import Batch, Recorded


class Writer:
    def __init__(
        self, conn: asyncpg.Connection, nc: Client, topology: Topology, origin: str
    ) -> None:
        self.conn, self.nc, self.topology, self.origin = conn, nc, topology, origin
        self._lock = asyncio.Lock()

    async def append(self, envelopes: list[Envelope]) -> Batch:
        async with self._lock:
            started = time.perf_counter()
            batch = await store.append(self.conn, envelopes, origin=self.origin)
            metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
        metrics.APPENDED.inc(len(batch.rows))
        await self._confirm(batch)
        return batch

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
        if not self.conn.is_closed():
            await self.conn.close()
