"""The writer takes an incident it does not know to be new when the batch reports it,
without reading the table; the unique (incident_id, version) index keeps that honest."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client

from contracts.outcomes import Recorded, Rejected
from contracts.topology import Topology
from ledger.store import event_rows as store
from ledger.store.writer import Writer
from tests import seeding
from tests.integration.faults import chain_problems
from tests.support import envelope, note, note_envelope

pytestmark = pytest.mark.integration


def reported(incident: str) -> dict[str, Any]:
    event = note(incident)
    event["type"] = "incident.reported.v1"
    event["payload"] = {
        "kind": "fire",
        "title": "Smoke from the B2 bin room",
        "site": {"name": "澎湖湾", "unit": "B2 bin room"},
        "channel": "phone",
    }
    return event


async def test_a_repeated_report_of_an_incident_the_writer_never_saw_is_judged_by_the_table(
    database_url: str, pool: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    """Given an incident recorded by another path (so not in this writer's memory), when
    the writer gets a second report of it beside a report of a new incident and a note,
    then the repeated report is refused at the incident's real version, and the others are
    recorded with the right versions and links."""
    async with pool.acquire() as conn:
        old = [envelope(reported("OLD-1")), note_envelope("OLD-1")]
        await seeding.append(conn, nc, old, origin="t")
    writer = Writer(await asyncpg.connect(database_url), "t")
    try:
        batch = await writer.append(
            [envelope(reported("NEW-1")), envelope(reported("OLD-1")), note_envelope("OLD-1")]
        )
    finally:
        await writer.close()
    new, repeated, old_note = batch.outcomes
    assert isinstance(new, Recorded)
    assert (new.version, new.position) == (1, 3)
    assert isinstance(repeated, Rejected)
    assert (repeated.code, repeated.current_version) == ("invalid_transition", 2)
    assert isinstance(old_note, Recorded)
    assert (old_note.version, old_note.position) == (3, 4)
    assert await chain_problems(database_url) == []


async def test_a_new_incident_reported_is_recorded_without_reading_its_head(
    database_url: str, nc: Client, topology: Topology, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a batch that reports new incidents, when the writer appends it, then it reads
    no heads from the table."""
    asked: list[list[str]] = []
    load_heads = store.load_heads

    async def counting(conn: asyncpg.Connection, incidents: list[str]) -> Any:
        asked.append(list(incidents))
        return await load_heads(conn, incidents)

    monkeypatch.setattr(store, "load_heads", counting)
    writer = Writer(await asyncpg.connect(database_url), "t")
    try:
        batch = await writer.append([envelope(reported(f"NEW-{i}")) for i in range(3)])
    finally:
        await writer.close()
    assert all(isinstance(o, Recorded) and o.version == 1 for o in batch.outcomes)
    assert all(not incidents for incidents in asked)
