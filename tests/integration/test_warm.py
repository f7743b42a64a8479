"""A new leader pays its first-use costs before its first event: given a ledger with
records, when the leader warms up (running its statements on nothing, in a transaction
it rolls back), then nothing in the ledger has changed and nobody was told of anything."""

from __future__ import annotations

import asyncpg
import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from ledger.ingest import warm
from plumbing.db import acting_as
from plumbing.settings import IngestSettings
from tests import seeding
from tests.support import note_envelope

pytestmark = pytest.mark.integration

STATE = """SELECT (SELECT count(*) FROM events), (SELECT max(position) FROM events),
  (SELECT size FROM merkle_head), (SELECT count(*) FROM merkle_tiles),
  (SELECT count(*) FROM ingest_offsets)"""


async def test_warming_up_changes_nothing_and_tells_nobody(database_url: str, nc: Client) -> None:
    conn = await asyncpg.connect(acting_as(database_url, "ledger_service"))
    listener = await asyncpg.connect(database_url)
    heard: list[str] = []
    try:
        # Recorded as the ingest records (which tells listeners) before anyone listens.
        await seeding.append(conn, nc, [note_envelope("INC-1"), note_envelope("INC-2")], origin="t")
        await listener.add_listener("ledger_events", lambda *args: heard.append(args[-1]))
        before = await conn.fetchrow(STATE)
        warm.codecs(Topology("t"), IngestSettings())
        await warm.statements(conn)
        assert await conn.fetchrow(STATE) == before
        assert conn.is_in_transaction() is False
        await listener.execute("SELECT 1")  # any notification would have arrived by now
        assert heard == []
    finally:
        await listener.close()
        await conn.close()
