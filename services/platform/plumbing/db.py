"""PostgreSQL plumbing: databases, migrations, pools."""

from __future__ import annotations

import asyncio
import contextlib
import operator
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from plumbing import passwords
from plumbing.paths import migrations_dir
from plumbing.settings import DatabaseSettings

_POSITION = operator.itemgetter(0)


# Each service's database role (migration 0015): what it may write, and nothing more.
SERVICE_ROLES = {
    "ingest": "ledger_ingest",
    "projector": "ledger_projector",
    "signer": "ledger_signer",
    "api": "ledger_api",
}


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def with_login(url: str, user: str, password: str) -> str:
    """``url`` with another user and password (same server and database)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user, '')}:{quote(password, '')}@{host}"))


def acting_as(url: str, role: str) -> str:
    """``url`` whose sessions act as ``role`` (``SET ROLE`` at connection, passed by
    asyncpg as a server setting): the objects they create are the role's. A no-op when
    ``url`` logs in as ``role``."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"role": role})) if q)
    return urlunsplit(parts._replace(query=query))


def projector_url(url: str) -> str:
    """The projector creates its read models' tables and views at run time; whoever
    connects, they must be ``ledger_projector``'s for the next projector to manage."""
    return acting_as(url, SERVICE_ROLES["projector"])


def service_urls(url: str, logins: Mapping[str, str]) -> dict[str, str]:
    """Each service's URL on ``url``'s database, logging in as its role with its password
    from ``logins`` (role → password); services without one keep ``url``."""
    return {
        service: with_login(url, role, logins[role]) if role in logins else url
        for service, role in SERVICE_ROLES.items()
    }


async def enable_logins(url: str, logins: Mapping[str, str]) -> None:
    """Let each role of ``logins`` log in with its password (as a superuser or the roles'
    admin); the server is given only the password's SCRAM verifier."""
    conn = await asyncpg.connect(url)
    try:
        for role, password in logins.items():
            statement = await conn.fetchval(
                "SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', $1::text, $2::text)",
                role,
                passwords.scram_verifier(password),
            )
            await conn.execute(statement)
    finally:
        await conn.close()


async def ensure_database(url: str, name: str) -> str:
    """Create database ``name`` on the server of ``url`` unless it exists; return its URL."""
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(url, name)


def _alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["url"] = url
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config("")).get_current_head()


def migrate_sync(url: str, revision: str = "head") -> None:
    command.upgrade(_alembic_config(url), revision)


async def migrate(url: str) -> None:
    """``alembic upgrade head``; in a thread, since alembic runs its own event loop."""
    await asyncio.to_thread(migrate_sync, url)


async def current_revision(conn: asyncpg.Connection) -> str | None:
    exists = await conn.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
    if not exists:
        return None
    value = await conn.fetchval("SELECT version_num FROM alembic_version")
    return None if value is None else str(value)


CONNECT_TIMEOUT = 10.0  # seconds a new pooled connection may take


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """No reset query on release: pooled connections never LISTEN, take session advisory
    locks or change settings (those live on dedicated connections), so the default
    ``RESET ALL; UNLISTEN *; …`` would only cost every request a round trip. Open
    transactions are still rolled back by asyncpg itself."""

    def get_reset_query(self) -> str:
        return ""


async def fetch_in_order(conn: asyncpg.Connection, query: str, *args: object) -> list[Any]:
    """The rows of ``query`` (position first, no ORDER BY) sorted by position here. For a
    window of wide rows the planner would pick a bitmap scan and a sort that spills to
    disk; the rows come in heap order, which in the append-only events table is position
    order, so this sort finds them sorted in O(n)."""
    return sorted(await conn.fetch(query, *args), key=_POSITION)


async def create_pool(url: str, settings: DatabaseSettings, lazy: bool = False) -> asyncpg.Pool:
    """``lazy``: connect only when a connection is first asked for."""
    return await asyncpg.create_pool(
        url,
        min_size=0 if lazy else settings.pool_min,
        max_size=settings.pool_max,
        command_timeout=settings.command_timeout,
        connection_class=PooledConnection,
        timeout=CONNECT_TIMEOUT,  # asyncpg's default, 60 s, would hold a request that long
    )


__all__ = ["create_pool", "ensure_database", "migrate"]
