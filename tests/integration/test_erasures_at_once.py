"""Two erasures at once (the API's and the retention run's, say) each finish: neither is
failed by PostgreSQL as a deadlock. Real PostgreSQL."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from ledger.store import subject_keys
from tests.integration.test_opened_cache import _sealed

pytestmark = pytest.mark.integration


async def test_two_erasures_held_back_by_an_ingest_statement_both_finish(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """Given two sealed subjects and an ingest statement under way (a write to
    ``sealed_values`` not yet committed), when both subjects are erased at once, both
    erasures wait for it and then finish one after the other."""
    first, _ = await _sealed(pool, "ONCEfirstZ")
    second, _ = await _sealed(pool, "ONCEsecondZ")
    ingest = await asyncpg.connect(database_url)
    erasing = [await asyncpg.connect(database_url) for _ in range(2)]
    try:
        writing = ingest.transaction()
        await writing.start()
        await ingest.execute("LOCK TABLE sealed_values IN ROW EXCLUSIVE MODE")
        erasures = [
            asyncio.create_task(subject_keys.erase(conn, f"{incident}:casualty", "t", "r"))
            for conn, incident in zip(erasing, (first, second), strict=True)
        ]
        await asyncio.sleep(0.3)  # both queued behind the ingest's lock
        assert not any(e.done() for e in erasures)
        await writing.rollback()
        done = await asyncio.wait_for(asyncio.gather(*erasures), 30)
        assert {d.subject for d in done} == {f"{first}:casualty", f"{second}:casualty"}
    finally:
        for conn in (ingest, *erasing):
            await conn.close()
