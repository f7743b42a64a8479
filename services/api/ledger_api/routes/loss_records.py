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
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from ledger_api import access, examples, moments
from ledger_api.app_state import AppState
from ledger_api.auth import READERS, Principal, roles, sees_personal_data
from ledger_api.paging import BadParameter
from ledger_api.problems import READ, TEXT_CSV, alternatives
from projector.domain.losses import LossRunRow
from projector.views import lossrun, lossrun_csv
from projector.views.tabular import BOM, CsvWriter, Workbook

BATCH = 1000


class LossRun(msgspec.Struct, frozen=True):
    """The JSON loss run (streamed); amounts in minor units."""

    header: lossrun.Header
    rows: list[LossRunRow]
    totals: dict[str, dict[str, int]]


_MEDIA = {
    "json": "application/json",
    "csv": TEXT_CSV,
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


class _Asked(msgspec.Struct, frozen=True):
    valuation_date: date | None
    loss_from: date | None
    loss_to: date | None
    as_of: datetime | None


def _check(valuation_date: str | None, loss_from: str | None, loss_to: str | None,
           as_of: str | None) -> _Asked:  # fmt: skip
    """Every parameter checked before the first byte is streamed (an error after it could
    only cut the response short)."""
    asked = _Asked(
        moments.as_of_day("valuation_date", valuation_date),
        moments.bound_day("from", loss_from),
        moments.bound_day("to", loss_to),
        moments.as_of("as_of", as_of),
    )
    if asked.loss_from and asked.loss_to and asked.loss_from > asked.loss_to:
        raise BadParameter("to", "must not be before 'from'")
    return asked


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
    state: AppState,
    valuation_date: Annotated[
        str | None, moments.day("figures as of the end of this day (UTC); default today")
    ] = None,
    loss_from: Annotated[str | None, moments.day("date of loss on or after", "from")] = None,
    loss_to: Annotated[str | None, moments.day("date of loss on or before", "to")] = None,
    carrier: Annotated[str | None, QueryParameter(max_length=200)] = None,
    policy: Annotated[str | None, QueryParameter(max_length=200)] = None,
    as_of: Annotated[
        str | None, moments.date_time("figures as of this instant instead (overrides the date)")
    ] = None,
    format: FromQuery[Literal["json", "csv", "xlsx"]] = "json",
) -> Stream:
    """One row per claim: claim number, date of loss, date reported, kind, location code,
    claimant (redacted for clerks), carrier, policy, coverage, status, paid, reserve,
    incurred (paid + reserve), recovered and net incurred, in the claim's currency; then
    totals per currency. Amounts are in currency units in CSV and XLSX, minor units in JSON."""
    today, scope = datetime.now(UTC).date(), request.user.scope
    asked = _check(valuation_date, loss_from, loss_to, as_of)
    query = lossrun.Query(
        as_of=asked.as_of,
        valuation_date=None if asked.valuation_date in (None, today) else asked.valuation_date,
        loss_from=asked.loss_from,
        loss_to=asked.loss_to,
        carrier=carrier,
        policy=policy,
        redact=not sees_personal_data(request.user),
        organisation_id=None if scope is None else scope.organisation_id,
        site_id=None if scope is None else scope.site_id,
    )
    valued = asked.as_of.date() if asked.as_of else asked.valuation_date or today
    header = lossrun.Header(state.insured, carrier or "all", policy or "all", valued)
    async with state.pool.acquire() as conn:
        await access.record(conn, request, "loss_run", "losses")
    body = {"json": _json, "csv": _csv, "xlsx": _xlsx}[format](state.pool, query, header)
    name = f"loss-run-{header.valuation_date}.{format}"
    headers = {} if format == "json" else {"Content-Disposition": f'attachment; filename="{name}"'}
    return Stream(body, media_type=_MEDIA[format], headers=headers)
