"""Alembic environment: raw SQL migrations, no models (``target_metadata`` is None).

The URL comes from ``config.attributes["url"]`` (set by ``plumbing.db.migrate``) or from
``LEDGER_DATABASE_URL``; it is libpq form and turned into SQLAlchemy's asyncpg form here.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

config = context.config


def _url() -> str:
    url = config.attributes.get("url") or os.environ.get("LEDGER_DATABASE_URL")
    if not url:
        raise RuntimeError("LEDGER_DATABASE_URL is not set")
    return str(url).replace("postgresql://", "postgresql+asyncpg://", 1)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=None, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
