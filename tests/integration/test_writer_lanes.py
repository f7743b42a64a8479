"""The writer sends a large batch on its second connection while the one before commits:
PostgreSQL commits them in order, and a batch whose predecessor fails never commits."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client

from contracts.envelope import Envelope
from contracts.outcomes import Recorded
from contracts.topology import Topology
from ledger.domain.sequencer import Batch
from ledger.store import event_rows as store
from ledger.store import merkle_head
from ledger.store.writer import Writer
from tests.integration.faults import chain_problems
from tests.integration.test_merkle_log import _head, _tiles_match
from tests.support import note_envelope

pytestmark = pytest.mark.integration

LARGE = store.ONE_TRIP_ROWS + 200  # sent by COPY


def batch_of(tag: str, n: int = LARGE) -> list[Envelope]:
    return [note_envelope(f"{tag}-{i % 11}", f"{tag} {i}") for i in range(n)]


async def two_lanes(database_url: str, nc: Client, topology: Topology) -> Writer:
    lead, twin = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    writer = Writer(lead, "t", second_lane=twin)
    assert len(writer.lanes.all) == 2
    return writer


async def test_batches_sent_behind_one_another_commit_in_order(
    database_url: str, pool: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    """Given a writer with two connections, when four large batches are appended at once,
    then each is recorded after the one before it, positions gapless, every chain link
    and the Merkle log (head and tiles) exactly as one batch at a time would leave them."""
    writer = await two_lanes(database_url, nc, topology)
    try:
        batches = await asyncio.gather(*(writer.append(batch_of(f"L{k}")) for k in range(4)))
    finally:
        await writer.close()
    positions = [o.position for b in batches for o in b.outcomes if isinstance(o, Recorded)]
    assert positions == list(range(1, 4 * LARGE + 1))
    assert await chain_problems(database_url) == []
    size, stored, recomputed = await _head(pool)
    assert (size, stored) == (4 * LARGE, recomputed)
    await _tiles_match(pool, 4 * LARGE)


async def test_a_batch_behind_one_that_fails_is_not_recorded_and_a_retry_records_both(
    database_url: str,
    pool: asyncpg.Pool,
    nc: Client,
    topology: Topology,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a large batch that fails after its records are in the table (its Merkle
    head's move is lost) and a second one sent behind it, when both have run, then
    neither is recorded, and the writer, appending them again, records both."""
    writer = await two_lanes(database_url, nc, topology)
    first, second = batch_of("F"), batch_of("S")
    sent = asyncio.Event()
    save, failures = merkle_head.save, [ConnectionError("the connection was lost")]

    async def fail_once(conn: asyncpg.Connection, moves: Any) -> None:
        if failures:
            await sent.wait()  # the second batch is on its way behind this one
            raise failures.pop()
        await save(conn, moves)

    monkeypatch.setattr(merkle_head, "save", fail_once)

    async def behind() -> Batch:
        task = asyncio.create_task(writer.append(second))
        await asyncio.sleep(0.2)  # the second batch waits in PostgreSQL for the first
        sent.set()
        return await task

    try:
        outcomes = await asyncio.gather(writer.append(first), behind(), return_exceptions=True)
        assert all(isinstance(o, BaseException) for o in outcomes), outcomes
        assert await pool.fetchval("SELECT count(*) FROM events") == 0
        again = [await writer.append(first), await writer.append(second)]
    finally:
        await writer.close()
    assert [len(b.rows) for b in again] == [LARGE, LARGE]
    assert await chain_problems(database_url) == []
    size, stored, recomputed = await _head(pool)
    assert (size, stored) == (2 * LARGE, recomputed)


@pytest.mark.parametrize("size", [10, LARGE], ids=["one-trip", "copy"])
async def test_a_batch_sequenced_ahead_of_one_that_fails_is_sequenced_again(
    database_url: str, pool: asyncpg.Pool, nc: Client, topology: Topology, size: int
) -> None:
    """Given a writer that knows its incidents, when a batch whose caller fails before it
    is stored is followed at once by another (sequenced while the first waits its turn),
    then the failed one leaves nothing, and the other is recorded right after the
    batches before, every chain link and the Merkle log as one batch at a time would."""
    writer = await two_lanes(database_url, nc, topology)

    async def fail(batch: Batch) -> None:
        for _ in range(3):
            await asyncio.sleep(0)  # the next batch is taken, and sequenced ahead, meanwhile
        raise ConnectionError("the rejection stream is down")

    try:
        before = await writer.append(batch_of("K", size))
        failing = writer.append(batch_of("K", size), before_storing=fail)
        outcomes = await asyncio.gather(
            failing, writer.append(batch_of("K", size)), return_exceptions=True
        )
    finally:
        await writer.close()
    failed, after = outcomes
    assert isinstance(failed, ConnectionError)
    assert isinstance(after, Batch)
    positions = [o.position for b in (before, after) for o in b.outcomes if isinstance(o, Recorded)]
    assert positions == list(range(1, 2 * size + 1))
    assert await chain_problems(database_url) == []
    count, stored, recomputed = await _head(pool)
    assert (count, stored) == (2 * size, recomputed)
