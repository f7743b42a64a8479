"""``ledger losses``: the loss run from the command line, rendered by the functions that
render ``GET /v1/losses`` (the same rows, columns and totals), read from the ledger database
unscoped (an operator's command), personal data blanked as for a clerk unless asked for;
the rows written so far on standard error on long runs."""

from __future__ import annotations

import asyncio
import contextlib
from typing import BinaryIO

import click
import msgspec

from incident_ledger.commands import cli_context as context
from incident_ledger.privacy_wiring import master_key
from ledger_api import moments
from ledger_api.disclosure import opened
from ledger_api.paging import BadParameter
from ledger_api.routes.loss_records import Asked, Format, body, plan
from plumbing import db, startup
from projector.domain.loss_run import Line
from projector.views import lossrun


def asked(valuation_date: str | None, as_of: str | None) -> Asked:
    """The options read by the API's rule for its parameters, an error naming the option."""
    try:
        return Asked(
            valuation_date=moments.as_of_day("--valuation-date", valuation_date),
            loss_from=None,
            loss_to=None,
            as_of=moments.as_of("--as-of", as_of),
        )
    except BadParameter as e:
        name = str(e.extra["parameter"]) if isinstance(e.extra, dict) else None
        raise click.BadParameter(e.detail.partition(": ")[2], param_hint=name) from None


def _progress(rows: int) -> None:
    click.echo(f"wrote {rows:,} rows", err=True)


def write(format: Format, run: Asked, personal: bool, out: BinaryIO) -> int:
    """The run written to ``out``; the number of rows."""
    settings = context.settings()
    url = context.endpoints(settings).database_url
    seen, master = _Counter(), master_key(settings) if personal else None
    query, header = plan(
        run, lossrun.Query(redact=not personal, progress=seen), settings.http.insured
    )

    async def go() -> None:
        await startup.wait_database(url, settings.stack.start_timeout)
        pool = await db.create_pool(url, settings.database, lazy=True)

        async def reveal(rows: list[Line]) -> list[Line]:  # the sealed claimants opened
            async with pool.acquire() as conn:
                return await opened(conn, master, rows)

        try:
            shown = msgspec.structs.replace(query, reveal=reveal)
            # closed before the pool, whatever stops the writing (a closed pipe, Ctrl-C)
            async with contextlib.aclosing(body(format, pool, shown, header)) as chunks:
                async for chunk in chunks:
                    out.write(chunk)
        finally:
            await pool.close()

    asyncio.run(go())
    out.flush()
    return seen.rows


class _Counter:
    """Hears the rows read so far (:data:`projector.views.lossrun.PROGRESS_EVERY` apart, then
    the total) and says each new count on standard error."""

    def __init__(self) -> None:
        self.rows = 0

    def __call__(self, rows: int) -> None:
        if rows != self.rows:
            _progress(rows)
        self.rows = rows
