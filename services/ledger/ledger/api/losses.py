"""``GET /v1/losses``: the loss run, in JSON, CSV or XLSX, streamed with flat memory.

The body opens its own pooled connection: Litestar releases request-scoped resources
before a streamed body is sent, so nothing the handler holds may be used by the stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from ledger.api import access, examples, lossrun, lossrun_csv
from ledger.api.auth import READERS, Principal, roles, sees_personal_data
from ledger.api.paging import BadParameter
from ledger.api.problems import READ, alternatives
from ledger.api.tabular import BOM, CsvWriter, Workbook
from projector.losses import LossRunRow

BATCH = 1000


class LossRun(msgspec.Struct, frozen=True):
    """The JSON loss run (streamed); amounts in minor units."""

    header: lossrun.Header
    rows: list[LossRunRow]
    totals: dict[str, dict[str, int]]


_MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def _batches(
    pool: asyncpg.Pool, query: lossrun.Query, totals: lossrun.Totals
) -> AsyncIterator[list[Any]]:
    async with pool.acquire() as conn, conn.transaction():
        batch = []
        async for row in lossrun.rows(conn, query):
            totals.add(row)
            batch.append(row)
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _title(header: lossrun.Header) -> list[list[Any]]:
    return [
        ["Loss run", ""],
        ["Insured", header.insured],
        ["Carrier", header.carrier],
        ["Policy", header.policy],
        ["Valuation date", header.valuation_date.isoformat()],
        [],
    ]


async def _csv(
    pool: asyncpg.Pool, query: lossrun.Query, header: lossrun.Header
) -> AsyncIterator[bytes]:
    totals, writer = lossrun.Totals(), CsvWriter()
    yield BOM + writer.encode([*_title(header), lossrun.COLUMNS])
    if query.end_of_valuation() is None:  # today: PostgreSQL writes the rows
        async for chunk in lossrun_csv.run(pool, query, totals):
            yield chunk
    else:
        async for batch in _batches(pool, query, totals):
            yield writer.encode(lossrun.cells(row) for row in batch)
    yield writer.encode([[], *totals.cells()])


async def _json(
    pool: asyncpg.Pool, query: lossrun.Query, header: lossrun.Header
) -> AsyncIterator[bytes]:
    totals, first = lossrun.Totals(), True
    yield b'{"header":' + msgspec.json.encode(header) + b',"rows":['
    async for batch in _batches(pool, query, totals):
        body = b",".join(msgspec.json.encode(row) for row in batch)
        yield body if first else b"," + body
        first = False
    yield b'],"totals":' + msgspec.json.encode(totals.as_json()) + b"}"


async def _xlsx(
    pool: asyncpg.Pool, query: lossrun.Query, header: lossrun.Header
) -> AsyncIterator[bytes]:
    totals, book = lossrun.Totals(), Workbook("Loss run")
    for line in _title(header):
        book.write(line)
    book.write(lossrun.COLUMNS, bold=True)
    async for batch in _batches(pool, query, totals):
        for row in batch:
            book.write(lossrun.xlsx_cells(row))
    book.write([])
    for line in totals.xlsx_cells():
        book.write(line, bold=True)
    for chunk in book.chunks():
        yield chunk


EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def _check(
    valuation_date: date | None,
    loss_from: date | None,
    loss_to: date | None,
    as_of: datetime | None,
) -> None:
    """Every parameter checked before the first byte is streamed (an error after it could
    only cut the response short)."""
    now = datetime.now(UTC)
    if valuation_date is not None and not EARLIEST.date() <= valuation_date <= now.date():
        raise BadParameter("valuation_date", "must lie between 1900-01-01 and today")
    if loss_from and loss_to and loss_from > loss_to:
        raise BadParameter("to", "must not be before 'from'")
    if as_of is not None and as_of.tzinfo is None:
        raise BadParameter("as_of", "needs a UTC offset, e.g. 2026-11-22T08:00:00+08:00")
    if as_of is not None and not EARLIEST <= as_of <= now:
        raise BadParameter("as_of", "must lie between 1900-01-01 and now")


@get(
    "/v1/losses",
    opt=roles(*READERS),
    tags=["losses"],
    summary="The loss run",
    responses=READ | examples.ok(LossRun, examples.LOSS_RUN),
    operation_class=alternatives(_MEDIA["csv"], _MEDIA["xlsx"]),
)
async def loss_run(
    request: Request[Principal, Any, Any],
    state: State,
    valuation_date: Annotated[
        date | None,
        QueryParameter(description="figures as of the end of this day (UTC); default today"),
    ] = None,
    loss_from: Annotated[
        date | None, QueryParameter(name="from", description="date of loss on or after")
    ] = None,
    loss_to: Annotated[
        date | None, QueryParameter(name="to", description="date of loss on or before")
    ] = None,
    carrier: Annotated[str | None, QueryParameter(max_length=200)] = None,
    policy: Annotated[str | None, QueryParameter(max_length=200)] = None,
    as_of: Annotated[
        datetime | None,
        QueryParameter(description="figures as of this instant instead (overrides the date)"),
    ] = None,
    format: FromQuery[Literal["json", "csv", "xlsx"]] = "json",
) -> Stream:
    """One row per claim: claim number, date of loss, date reported, kind, location code,
    claimant (redacted for clerks), carrier, policy, coverage, status, paid, reserve,
    incurred (paid + reserve), recovered and net incurred, in the claim's currency; then
    totals per currency. Amounts are in currency units in CSV and XLSX, minor units in JSON."""
    today = datetime.now(UTC).date()
    _check(valuation_date, loss_from, loss_to, as_of)
    query = lossrun.Query(
        as_of=as_of,
        valuation_date=None if valuation_date in (None, today) else valuation_date,
        loss_from=loss_from,
        loss_to=loss_to,
        carrier=carrier,
        policy=policy,
        redact=not sees_personal_data(request.user),
    )
    valued = as_of.date() if as_of else valuation_date or today
    header = lossrun.Header(state.insured, carrier or "all", policy or "all", valued)
    async with state.pool.acquire() as conn:
        await access.record(conn, request, "loss_run", "losses")
    body = {"json": _json, "csv": _csv, "xlsx": _xlsx}[format](state.pool, query, header)
    name = f"loss-run-{header.valuation_date}.{format}"
    headers = {} if format == "json" else {"Content-Disposition": f'attachment; filename="{name}"'}
    return Stream(body, media_type=_MEDIA[format], headers=headers)
