"""Given the init container every Kubernetes service starts with (``ledger-probe schema``,
infra/image/), then it holds the service back while the schema is behind the code's head
and lets it start once the migration has run, with a role that may only read."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import asyncpg
import pytest

from plumbing import db
from tests.unit.infra.loading import INFRA

pytestmark = pytest.mark.integration
PROBE = [sys.executable, str(INFRA / "image" / "ledger_probe.py"), "schema"]


def _probe(url: str, within: float) -> subprocess.Popen[str]:
    env = {**os.environ, "LEDGER_DATABASE_URL": url}
    return subprocess.Popen(
        [*PROBE, "--within", str(within)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def reader_login(pg_server_url: str) -> Iterator[tuple[str, str]]:
    """A login role of this test's own that may only read, as the services' roles."""
    role, password = f"probe_{uuid.uuid4().hex[:12]}", uuid.uuid4().hex
    asyncio.run(_admin(pg_server_url, f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
    yield role, password
    asyncio.run(_admin(pg_server_url, f"DROP ROLE IF EXISTS {role}"))


def test_a_database_behind_the_head_holds_the_service_back(empty_database_url: str) -> None:
    probe = _probe(empty_database_url, within=1)
    _, errors = probe.communicate(timeout=120)
    assert probe.returncode == 1
    assert f"the schema is at revision None, waiting for {db.head_revision()}" in errors


def test_the_service_starts_once_the_migration_has_run(
    empty_database_url: str, reader_login: tuple[str, str]
) -> None:
    probe = _probe(empty_database_url, within=600)
    db.migrate_sync(empty_database_url)  # the migration Job, meanwhile
    grant = f"GRANT ledger_reader TO {reader_login[0]}"
    asyncio.run(_admin(empty_database_url, grant))
    _, errors = probe.communicate(timeout=600)
    assert probe.returncode == 0, errors
    as_reader = _probe(db.with_login(empty_database_url, *reader_login), within=0)
    _, errors = as_reader.communicate(timeout=120)
    assert as_reader.returncode == 0, errors
