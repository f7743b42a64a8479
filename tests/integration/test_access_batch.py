"""Given the timelines' access-log writer on a real PostgreSQL: concurrent reads share a
commit, each read returns only once its own row is committed, and a read whose row cannot
be written learns so (the API then answers 503, never an unlogged read)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from ledger_api.access_batch import AccessWriter

pytestmark = pytest.mark.integration


def row(i: int, token: uuid.UUID) -> list[object]:
    return [token, "auditor-1", "auditor", "timeline", f"INC-{i}", '{"format": "csv"}']


async def test_concurrent_reads_are_each_logged_and_share_commits(pool: asyncpg.Pool) -> None:
    writer, token = AccessWriter(pool), uuid.uuid4()
    await asyncio.gather(*(writer.record(row(i, token), 200 + (i % 2) * 204) for i in range(50)))
    logged = await pool.fetch(
        "SELECT resource, status, params, at FROM access_log WHERE token_id = $1", token
    )
    assert sorted(r["resource"] for r in logged) == sorted(f"INC-{i}" for i in range(50))
    assert {r["resource"]: r["status"] for r in logged}["INC-1"] == 404
    assert all(r["params"] == '{"format": "csv"}' for r in logged)
    assert len({r["at"] for r in logged}) < 50  # rows committed together share now()


async def test_a_read_whose_row_cannot_be_written_is_told(database_url: str) -> None:
    lost = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    writer = AccessWriter(lost)
    await lost.close()
    with pytest.raises(asyncpg.InterfaceError):
        await writer.record(row(1, uuid.uuid4()), 200)
    with pytest.raises(asyncpg.InterfaceError):  # and the writer is not left stuck
        await asyncio.wait_for(writer.record(row(2, uuid.uuid4()), 200), 5)
