"""The events table defends its invariants itself, whoever connects."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from nats.aio.client import Client

from contracts.envelope import Envelope
from plumbing.db import acting_as
from tests import seeding
from tests.support import note_envelope

pytestmark = pytest.mark.integration

APPEND_ONLY = "events is append-only"


def envelope(incident: str = "INC-1") -> Envelope:
    return note_envelope(incident)


@pytest.fixture
async def owner(database_url: str, nc: Client) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    await seeding.append(conn, nc, [envelope(), envelope(), envelope("INC-2")], origin="test")
    yield conn
    await conn.close()


@pytest.fixture
async def service(
    owner: asyncpg.Connection, database_url: str
) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(acting_as(database_url, "ledger_service"))
    yield conn
    await conn.close()


@pytest.mark.parametrize(
    "statement", ["UPDATE events SET type = 'x'", "DELETE FROM events", "TRUNCATE events"]
)
async def test_nobody_may_change_history(owner: asyncpg.Connection, statement: str) -> None:
    with pytest.raises(asyncpg.RaiseError, match=APPEND_ONLY):
        await owner.execute(statement)


async def test_replica_mode_does_not_slip_past_the_triggers(owner: asyncpg.Connection) -> None:
    await owner.execute("SET session_replication_role = replica")
    with pytest.raises(asyncpg.RaiseError, match=APPEND_ONLY):
        await owner.execute("DELETE FROM events")


@pytest.mark.parametrize(
    "statement", ["UPDATE events SET type = 'x'", "DELETE FROM events", "TRUNCATE events"]
)
async def test_the_service_role_is_told_the_append_only_rule(
    service: asyncpg.Connection, statement: str
) -> None:
    with pytest.raises(asyncpg.RaiseError, match=APPEND_ONLY):
        await service.execute(statement)


async def test_the_service_role_cannot_disable_the_guard(service: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="must be owner"):
        await service.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")


async def test_the_service_role_appends_and_reads(service: asyncpg.Connection, nc: Client) -> None:
    batch = await seeding.append(service, nc, [envelope("INC-3")], origin="test")
    assert batch.rows[0].position == 4
    assert await service.fetchval("SELECT count(*) FROM events") == 4


async def test_a_gap_in_positions_is_refused(owner: asyncpg.Connection, nc: Client) -> None:
    batch = await seeding.append(owner, nc, [envelope("INC-9")], origin="t")
    row = batch.rows[0]
    with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="gapless"):
        await owner.execute(
            "INSERT INTO events SELECT $1, $2, incident_id, 2, type, source, occurred_at,"
            " recorded_at, record, hash, position, hash FROM events WHERE position = $3",
            row.position + 2,
            uuid.uuid4(),
            row.position,
        )


async def test_an_event_id_is_recorded_once(owner: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.UniqueViolationError, match="event_id"):
        await owner.execute(
            "INSERT INTO events SELECT 4, event_id, 'INC-7', 1, type, source, occurred_at,"
            " recorded_at, record, hash, NULL, NULL FROM events WHERE position = 1"
        )


async def test_an_incident_version_is_taken_once(owner: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.UniqueViolationError, match="incident_id_version"):
        await owner.execute(
            "INSERT INTO events SELECT 4, $1, incident_id, 2, type, source, occurred_at,"
            " recorded_at, record, hash, 1, hash FROM events WHERE position = 2",
            uuid.uuid4(),
        )


async def test_the_reader_role_only_reads(owner: asyncpg.Connection, database_url: str) -> None:
    reader = await asyncpg.connect(acting_as(database_url, "ledger_reader"))
    try:
        assert await reader.fetchval("SELECT count(*) FROM events") == 3
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await reader.execute("INSERT INTO events SELECT * FROM events LIMIT 0")
    finally:
        await reader.close()
