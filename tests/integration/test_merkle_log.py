"""The sequencer keeps the Merkle log over every record in the transaction that appends it:
after any sequence of appends, its head is the RFC 6962 root of the records as stored."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from ledger_verify import tiles
from ledger_verify.merkle import leaf_hash, root
from nats.aio.client import Client

from contracts.publisher import Publisher
from contracts.topology import Topology
from ledger.store import event_rows as store
from ledger.store import merkle_head
from ledger.store.writer import Writer
from tests import seeding
from tests.integration.conftest import wait_for_count
from tests.support import note, note_envelope

pytestmark = pytest.mark.integration


async def _head(pool: asyncpg.Pool) -> tuple[int, bytes, bytes]:
    """(size, stored root, root recomputed from the records)."""
    row = await pool.fetchrow("SELECT size, root FROM merkle_head WHERE id = 1")
    records = await pool.fetch("SELECT record FROM events ORDER BY position")
    return row["size"], row["root"], root([leaf_hash(r["record"]) for r in records])


async def _settled(pool: asyncpg.Pool, size: int) -> tuple[int, bytes, bytes]:
    for _ in range(200):
        head = await _head(pool)
        if head[0] >= size:
            return head
        await asyncio.sleep(0.05)
    return await _head(pool)


async def test_the_head_is_the_root_of_the_records(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    for i in range(300):
        await Publisher(nc, topology).publish_json(note(f"INC-{i % 7}", f"step {i}"))
    assert await wait_for_count(ingesting, 300) == 300
    size, stored, recomputed = await _settled(ingesting, 300)
    assert size == 300
    assert stored == recomputed
    await _tiles_match(ingesting, 300)


async def _tiles_match(pool: asyncpg.Pool, size: int) -> None:
    """Every stored tile holds exactly the hashes a tree over the records has."""
    records = await pool.fetch("SELECT record FROM events ORDER BY position")
    expected = tiles.TiledRange()
    expected.extend(leaf_hash(r["record"]) for r in records)
    want = {(w.level, w.index): bytes(w.hashes) for w in expected.take()}
    rows = await pool.fetch("SELECT level, idx, hashes FROM merkle_tiles")
    assert {(r["level"], r["idx"]): r["hashes"] for r in rows} == want
    assert {(level, index) for level, index, _ in tiles.tiles_of(size)} == set(want)


async def test_records_appended_by_another_path_are_caught_up(
    pool: asyncpg.Pool, nc: Client, topology: Topology, ingesting: asyncpg.Pool
) -> None:
    """Given records written without the sequencer (a ledger from before the Merkle log),
    when the sequencer appends next, then the head covers them all."""
    async with pool.acquire() as conn:
        old = [note_envelope("OLD-1", f"old {i}") for i in range(5)]
        await seeding.append(conn, nc, old, origin="t", merkle_log=False)
    await Publisher(nc, topology).publish_json(note("NEW-1", "new"))
    assert await wait_for_count(ingesting, 6) == 6
    size, stored, recomputed = await _settled(ingesting, 6)
    assert (size, stored) == (6, recomputed)
    await _tiles_match(ingesting, 6)


@pytest.mark.parametrize("events", [1, store.ONE_TRIP_ROWS + 1], ids=["one-trip", "copy"])
async def test_a_head_moved_behind_the_writer_refuses_its_next_batch_whole(
    database_url: str, pool: asyncpg.Pool, nc: Client, topology: Topology, events: int
) -> None:
    """Given a writer that has appended, when merkle_head moves behind its back, then its
    next batch, in one statement or by COPY alike, is refused and leaves nothing behind."""
    writer = Writer(await asyncpg.connect(database_url), "t")
    try:
        await writer.append([note_envelope("FENCE-1", "first")])
        await pool.execute("UPDATE merkle_head SET size = size + 1")
        with pytest.raises(merkle_head.HeadMoved, match="was not at size 1"):
            await writer.append([note_envelope("FENCE-2", f"n {i}") for i in range(events)])
    finally:
        await writer.close()
    assert await pool.fetchval("SELECT count(*) FROM events") == 1
    assert await pool.fetchval("SELECT count(*) FROM merkle_tiles WHERE level = 0") == 1
