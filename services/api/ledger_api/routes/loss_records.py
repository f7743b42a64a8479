"""``GET /v1/losses``: the loss run, in JSON, CSV or XLSX, streamed with flat memory.

The body opens its own pooled connection: Litestar releases request-scoped resources
before a streamed body is sent, so nothing the handler holds may be used by the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
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
from ledger_api.disclosure import opened
from ledger_api.paging import BadParameter
from ledger_api.problems import READ, TEXT_CSV, alternatives, attachment
from projector.domain.loss_run import Line
from projector.views import lossrun, lossrun_cells, lossrun_xlsx
from projector.views.csv_text import BOM, TextRowsWriter

BATCH = 1000
Format = Literal["json", "csv", "xlsx"]


class LossRun(msgspec.Struct, frozen=True):
    """The JSON loss run (streamed): rows and totals with amounts as decimal strings in the
    currency's units and, beside each, ``<amount>_minor`` in integer minor units."""

    header: lossrun.Header
    rows: list[dict[str, Any]]
    totals: dict[str, dict[str, Any]]
    totals_by_carrier_policy: list[dict[str, Any]]


_MEDIA = {
    "json": "application/json",
    "csv": TEXT_CSV,
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def _batches(
    pool: asyncpg.Pool, query: lossrun.Query, totals: lossrun_cells.Totals
) -> AsyncGenerator[list[Any], None]:
    """The run's rows, a batch at a time, read in a transaction of their own; closed
    (``aclosing``) by whoever reads them, however they leave: the rows' reading is closed
    before the transaction ends (a read of the next rows may be under way)."""
    async with (
        pool.acquire() as conn,
        conn.transaction(),
        contextlib.aclosing(lossrun.batches(conn, query, BATCH)) as batches,
    ):
        async for batch in batches:
            for row in batch:
                totals.add(row)
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
) -> AsyncGenerator[bytes, None]:
    totals, writer, cells = lossrun_cells.Totals(), TextRowsWriter(), lossrun_cells.csv_cells()
    yield BOM + writer.encode([*_title(header), lossrun.COLUMNS])
    async with contextlib.aclosing(_batches(pool, query, totals)) as batches:
        async for batch in batches:
            yield writer.encode(list(map(cells, batch)))
    yield writer.encode([[], *totals.cells()])


async def _json(
    pool: asyncpg.Pool, query: lossrun.Query, header: lossrun.Header
) -> AsyncGenerator[bytes, None]:
    totals, first = lossrun_cells.Totals(), True
    yield b'{"header":' + msgspec.json.encode(header) + b',"rows":['
    async with contextlib.aclosing(_batches(pool, query, totals)) as batches:
        async for batch in batches:
            body = b",".join(msgspec.json.encode(lossrun_cells.json_row(row)) for row in batch)
            yield body if first else b"," + body
            first = False
    yield b'],"totals":' + msgspec.json.encode(totals.as_json())
    yield b',"totals_by_carrier_policy":' + msgspec.json.encode(totals.by_carrier_json()) + b"}"


_STAMP = """
SELECT (SELECT coalesce(max(position), 0) FROM events) AS position, c.size, c.root
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (SELECT size, root FROM checkpoints ORDER BY id DESC LIMIT 1) AS c ON true
"""


async def stamp(pool: asyncpg.Pool) -> lossrun_xlsx.Stamp:
    """The ledger position read as a spreadsheet starts (the loss run's, the triangle's), and
    the latest signed checkpoint."""
    row = await pool.fetchrow(_STAMP)
    signed = row["size"] is not None
    return lossrun_xlsx.Stamp(
        generated_at=datetime.now(UTC),
        ledger_position=int(row["position"]),
        checkpoint_size=int(row["size"]) if signed else None,
        checkpoint_root=bytes(row["root"]).hex() if signed else None,
    )


async def _xlsx(
    pool: asyncpg.Pool, query: lossrun.Query, header: lossrun.Header
) -> AsyncGenerator[bytes, None]:
    """The workbook made, sent and removed within the body: Litestar releases what a handler
    holds before a streamed body is sent, and a client that leaves cancels the body wherever
    it is (reading rows, compressing, sending). The writer process and the file go on every
    path: left while rows are read or the file is written, the process is killed and the
    file removed (:meth:`LossRunBook.discard`); once sending starts, it has no name left.
    Sending rows waits only while the writer is a few batches behind."""
    with lossrun_xlsx.LossRunBook(header, await stamp(pool)) as book:
        async with contextlib.aclosing(_batches(pool, query, book.totals)) as batches:
            async for batch in batches:
                book.add(batch)
        chunks = book.finish()
        await asyncio.to_thread(book.close)  # the writer's last seconds awaited off the loop
        for chunk in chunks:
            yield chunk


class Asked(msgspec.Struct, frozen=True):
    valuation_date: date | None
    loss_from: date | None
    loss_to: date | None
    as_of: datetime | None


def _check(valuation_date: str | None, loss_from: str | None, loss_to: str | None,
           as_of: str | None) -> Asked:  # fmt: skip
    """Every parameter checked before the first byte is streamed (an error after it could
    only cut the response short)."""
    asked = Asked(
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
    format: FromQuery[Format] = "json",
) -> Stream:
    """One row per claim and one per recorded loss no claim covers (status ``unclaimed``,
    with the days since it was recorded); the same columns, in the same order, in JSON, CSV
    and XLSX (README, *Loss runs*); then totals per currency and per currency, carrier and
    policy. Amounts are exact decimals in the currency's units; JSON adds ``<amount>_minor``."""
    scope = request.user.scope
    query, header = plan(
        _check(valuation_date, loss_from, loss_to, as_of),
        lossrun.Query(
            carrier=carrier,
            policy=policy,
            redact=not sees_personal_data(request.user),
            reveal=_revealing(state),
            organisation_id=None if scope is None else scope.organisation_id,
            site_id=None if scope is None else scope.site_id,
        ),
        state.insured,
    )
    async with state.pool.acquire() as conn:
        await access.record(conn, request, "loss_run", "losses")
    name = f"loss-run-{header.valuation_date}.{format}"
    headers = {} if format == "json" else attachment(name)
    return Stream(
        body(format, state.pool, query, header), media_type=_MEDIA[format], headers=headers
    )


def _revealing(state: AppState) -> Callable[[list[Line]], Awaitable[list[Line]]]:
    """Rows with their sealed personal values opened, for a reader who sees them; not
    through the cache of opened values: a loss run's claimants, a million at a time,
    would only push out what the timelines' reads keep there."""

    async def reveal(rows: list[Line]) -> list[Line]:
        async with state.pool.acquire() as conn:
            return await opened(conn, state.master_key, rows)

    return reveal


def plan(asked: Asked, who: lossrun.Query, insured: str) -> tuple[lossrun.Query, lossrun.Header]:
    """The run asked for (``who``: its reader's filters, scope and redaction) and its header;
    a run valued today reads the read model."""
    today = datetime.now(UTC).date()
    query = msgspec.structs.replace(
        who,
        as_of=asked.as_of,
        valuation_date=None if asked.valuation_date in (None, today) else asked.valuation_date,
        loss_from=asked.loss_from,
        loss_to=asked.loss_to,
    )
    valued = asked.as_of.date() if asked.as_of else asked.valuation_date or today
    return query, lossrun.Header(insured, who.carrier or "all", who.policy or "all", valued)


def body(
    format: Format, pool: asyncpg.Pool, query: lossrun.Query, header: lossrun.Header
) -> AsyncGenerator[bytes, None]:
    """The run in ``format``, streamed as the endpoint sends it (``ledger losses`` too)."""
    return {"json": _json, "csv": _csv, "xlsx": _xlsx}[format](pool, query, header)
