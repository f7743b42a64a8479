"""Given a ledger whose services each connect as a role of their own (migration 0015), each
role does its own work through the production code, and none of them can alter, drop,
disable the triggers of, update, delete from or truncate what the audit trail rests on:
``events``, ``checkpoints``, ``merkle_tiles`` and ``access_log``."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from ledger_verify import note
from nats.aio.client import Client

from contracts.topology import Topology
from ledger.audit.signer import Policy, Signer
from ledger.store.writer import Writer
from plumbing import db
from plumbing.db import SERVICE_ROLES, acting_as
from projector.follow import tables
from tests.support import note_envelope

pytestmark = pytest.mark.integration

PROTECTED = ("events", "checkpoints", "merkle_tiles", "access_log")
ROLES = tuple(SERVICE_ROLES.values())
ATTEMPTS = {
    "disable its triggers": "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "disable one trigger": "ALTER TABLE {t} DISABLE TRIGGER USER",
    "alter it": "ALTER TABLE {t} ADD COLUMN sneaked integer",
    "take it over": "ALTER TABLE {t} OWNER TO CURRENT_USER",
    "update it": "UPDATE {t} SET {change}",
    "delete from it": "DELETE FROM {t}",
    "truncate it": "TRUNCATE {t}",
    "drop it": "DROP TABLE {t} CASCADE",
    "add a trigger of its own": "CREATE TRIGGER sneaked BEFORE INSERT ON {t} "
    "FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()",
    "slip past the triggers": "SET session_replication_role = replica",
}
# An UPDATE that changes what is stored (the tiles' own rule lets a tile grow).
CHANGE = {
    "events": "type = 'x'",
    "checkpoints": "note = 'x'",
    "merkle_tiles": "hashes = substring(hashes FROM 1 FOR 32)",
    "access_log": "role = 'x'",
}
INSERT = {
    "events": "INSERT INTO events SELECT * FROM events LIMIT 0",
    "checkpoints": "INSERT INTO checkpoints (size, root, note) VALUES (0, sha256(''), 'x')",
    "access_log": "INSERT INTO access_log (token_id, token_name, role, action, resource,"
    " status) VALUES (gen_random_uuid(), 'x', 'x', 'x', 'x', 200)",
}


async def _as(database_url: str, role: str) -> asyncpg.Connection:
    return await asyncpg.connect(acting_as(database_url, role))


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in PROTECTED}


@pytest.fixture
async def ledger(database_url: str, tmp_path: Path, nc: Client, topology: Topology) -> str:
    """Two incidents appended by the ingest's role, a checkpoint signed by the signer's,
    a read logged by the API's: a row in every protected table, each written by the role
    that writes it in production."""
    writer = Writer(await _as(database_url, "ledger_ingest"), "t")
    try:
        await writer.append([note_envelope("INC-1"), note_envelope("INC-2")])
    finally:
        await writer.close()
    signer_conn = await _as(database_url, "ledger_signer")
    key = note.generate("test.example/log")
    signer = Signer(key, "test.example/log", tmp_path / "s", tmp_path / "o", Policy())

    async def publish(signed: str) -> None:
        return None

    assert await signer.tick(signer_conn, publish, now=1000.0) is not None
    await signer_conn.close()
    api = await _as(database_url, "ledger_api")
    await api.execute(
        "INSERT INTO access_log (token_id, token_name, role, action, resource, status)"
        " VALUES ($1, 'auditor', 'auditor', 'timeline', 'INC-1', 200)",
        uuid.uuid4(),
    )
    await api.close()
    return database_url


@pytest.mark.parametrize("role", ROLES)
async def test_no_service_role_can_change_the_audit_trail(ledger: str, role: str) -> None:
    owner = await asyncpg.connect(ledger)
    before = await _counts(owner)
    assert all(before.values()), before
    conn = await _as(ledger, role)
    allowed: list[str] = []
    try:
        for table in PROTECTED:
            for what, statement in ATTEMPTS.items():
                sql = statement.format(t=table, change=CHANGE[table])
                try:
                    async with conn.transaction():
                        await conn.execute(sql)
                    allowed.append(f"{role} could {what} on {table}: {sql}")
                except asyncpg.PostgresError:
                    pass
        assert allowed == []
        assert await _counts(owner) == before
        triggers = await owner.fetchval(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relname = ANY($1::text[]) AND NOT t.tgisinternal AND t.tgenabled <> 'A'",
            list(PROTECTED),
        )
        assert triggers == 0  # every trigger still ENABLE ALWAYS
    finally:
        await conn.close()
        await owner.close()


async def test_the_triggers_name_the_rule_to_the_ingest(ledger: str) -> None:
    conn = await _as(ledger, "ledger_ingest")
    try:
        for statement in ("UPDATE events SET type = 'x'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(asyncpg.RaiseError, match="events is append-only"):
                await conn.execute(statement)
        with pytest.raises(asyncpg.PostgresError, match="merkle_tiles only grow"):
            await conn.execute("UPDATE merkle_tiles SET hashes = substring(hashes FROM 1 FOR 32)")
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("role", "table"),
    [
        ("ledger_projector", "events"),
        ("ledger_signer", "events"),
        ("ledger_api", "events"),
        ("ledger_api", "checkpoints"),
        ("ledger_ingest", "checkpoints"),
        ("ledger_projector", "access_log"),
    ],
)
async def test_a_role_writes_nothing_it_does_not_own_the_writing_of(
    ledger: str, role: str, table: str
) -> None:
    conn = await _as(ledger, role)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(INSERT[table])
    finally:
        await conn.close()


async def test_read_models_from_before_become_the_projectors(empty_database_url: str) -> None:
    """Given read models an owner's projector made before the roles existed, when the
    ledger migrates, then the projector, as its role, builds a new generation beside them,
    repoints the views and drops the old one."""
    await asyncio.to_thread(db.migrate_sync, empty_database_url, "0014")
    owner = await asyncpg.connect(empty_database_url)
    await tables.create(owner, 1)
    await tables.activate(owner, 1, 1)
    await asyncio.to_thread(db.migrate_sync, empty_database_url)
    projector = await asyncpg.connect(db.projector_url(empty_database_url))
    try:
        await tables.create(projector, 2)
        await tables.activate(projector, 2, 1)
        await tables.drop(projector, 1)
        assert await projector.fetchval("SELECT current_user") == "ledger_projector"
        assert await owner.fetchval("SELECT to_regclass('rm_status_g1')") is None
    finally:
        await projector.close()
        await owner.close()
