"""What the command line's commands share: settings read once (a bad variable is a usage
error naming it), the ledger to talk to, and a database connection for one command."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import asyncpg
import click

from incident_ledger.stack import embedded
from plumbing import db, startup
from plumbing import logs as ledger_logging
from plumbing.settings import Settings, load

T = TypeVar("T")


def settings() -> Settings:
    """The settings; a malformed one raises ``SettingsError``, which ``ledger``'s command
    group prints as one line naming the variable (exit 2)."""
    settings = load()
    ledger_logging.configure(settings.log)
    return settings


def endpoints(settings: Settings) -> embedded.Endpoints:
    found = embedded.discover(settings)
    if found is None:
        raise click.ClickException(
            "no ledger to talk to: start one with `ledger up`, or set LEDGER_DATABASE_URL "
            "and LEDGER_NATS_URL"
        )
    return found


def with_db(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    url = endpoints(settings).database_url

    async def run() -> T:
        await startup.wait_database(url, settings.stack.start_timeout)
        conn = await asyncpg.connect(url)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


@contextlib.contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The ledger database: a running ledger's, the configured one, or the embedded one
    started for this command alone."""
    found = embedded.discover(settings)
    if found is not None:
        yield found.database_url
        return
    with embedded.running(settings) as ep:
        yield asyncio.run(db.ensure_database(ep.database_url, "ledger"))
