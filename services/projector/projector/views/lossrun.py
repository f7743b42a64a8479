"""Loss runs as insurers expect them, streamed: a header (insured, carrier, policy,
valuation date), one row per claim and one per unclaimed loss
(:mod:`projector.domain.loss_run`), totals per currency and per currency, carrier and policy.

Valued today, the books come from the ``losses`` read model. Valued at a past date, they
are folded from the log itself (only loss and claim events the ledger had recorded by the
end of that date), with the projector's own :func:`projector.domain.losses.as_of`. Either way the
rows are read through a server-side cursor, so memory stays flat however long the run.
JSON, CSV and XLSX share :data:`COLUMNS` (:mod:`projector.views.lossrun_columns`), in order;
amounts are exact decimals in the currency's units (:mod:`contracts.money`), JSON adds the
minor units beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import msgspec
from asyncpg.cursor import Cursor

from contracts.personal import redact
from projector.domain import loss_run, losses
from projector.domain.facts import from_record
from projector.views.lossrun_columns import AMOUNTS as AMOUNTS
from projector.views.lossrun_columns import COLUMNS as COLUMNS
from projector.views.scoped import IN_SCOPE

PREFETCH = 2000
PROGRESS_EVERY = 100_000  # rows between two calls of a query's ``progress``
_TYPES = sorted(losses.READS)
_decode_book = msgspec.json.Decoder(losses.LossBook).decode


class Query(msgspec.Struct, frozen=True, kw_only=True):
    valuation_date: date | None = None
    as_of: datetime | None = None  # a precise instant, instead of the end of a day
    loss_from: date | None = None  # date of loss on or after
    loss_to: date | None = None  # date of loss on or before
    carrier: str | None = None
    policy: str | None = None
    redact: bool = True
    organisation_id: str | None = None  # a scoped reader's: only incidents placed there
    site_id: str | None = None
    # hears the count of rows every PROGRESS_EVERY rows, and the total at the end
    progress: Callable[[int], None] | None = None
    # a reader who sees personal data: each batch of rows with its sealed values opened
    reveal: Callable[[list[loss_run.Line]], Awaitable[list[loss_run.Line]]] | None = None

    def end_of_valuation(self) -> datetime | None:
        if self.as_of is not None:
            return self.as_of
        if self.valuation_date is None:
            return None
        return datetime.combine(self.valuation_date + timedelta(days=1), time(), UTC)

    def valued_at(self) -> datetime:
        """The instant the run is valued at (now, for a run valued today)."""
        return self.end_of_valuation() or datetime.now(UTC)

    def keeps(self, row: loss_run.Line) -> bool:
        day = row.date_of_loss.date() if row.date_of_loss else None
        return (
            (self.carrier is None or row.carrier == self.carrier)
            and (self.policy is None or row.policy_number == self.policy)
            and (self.loss_from is None or (day is not None and day >= self.loss_from))
            and (self.loss_to is None or (day is not None and day <= self.loss_to))
        )


class Header(msgspec.Struct, frozen=True):
    insured: str
    carrier: str
    policy: str
    valuation_date: date


async def batches(
    conn: asyncpg.Connection, query: Query, size: int = PREFETCH
) -> AsyncGenerator[list[loss_run.Line], None]:
    """The run's rows, in incident order, in lists of about ``size`` (one await a list, not
    a row); ``conn`` must be in a transaction (cursor), and this closed (``aclosing``)
    before it ends: a read of the next rows may be under way."""
    then, valued_at = query.end_of_valuation(), query.valued_at()
    scope = (query.organisation_id, query.site_id)
    books = _books_now(conn, scope) if then is None else _books_then(conn, then, scope)
    filtered = (query.carrier, query.policy, query.loss_from, query.loss_to) != (None,) * 4
    batch: list[loss_run.Line] = []
    count = 0
    async with contextlib.aclosing(books):  # closed first, however the reader leaves
        async for some in books:
            for book in some:
                for row in loss_run.lines(book, valued_at):
                    if not filtered or query.keeps(row):
                        batch.append(redact(row) if query.redact else row)
            if len(batch) >= size:
                count = _heard(query, count, len(batch))
                yield await _revealed(query, batch)
                batch = []
    if batch:
        yield await _revealed(query, batch)
    if query.progress is not None:
        query.progress(count + len(batch))


async def _revealed(query: Query, batch: list[loss_run.Line]) -> list[loss_run.Line]:
    return batch if query.redact or query.reveal is None else await query.reveal(batch)


def _heard(query: Query, count: int, more: int) -> int:
    """``count + more``, told to the query's ``progress`` each PROGRESS_EVERY rows."""
    if query.progress is not None and (count + more) // PROGRESS_EVERY > count // PROGRESS_EVERY:
        query.progress(count + more)
    return count + more


Scope = tuple[str | None, str | None]


async def _books_now(
    conn: asyncpg.Connection, scope: Scope
) -> AsyncGenerator[list[losses.LossBook], None]:
    sql = (
        "SELECT convert_to(doc::text, 'UTF8') FROM losses"  # bytes: what the decoder reads
        " WHERE (doc->'claims' <> '{}'::jsonb OR doc->'losses' <> '{}'::jsonb)"
        f" AND {IN_SCOPE.format(o='$1', s='$2')} ORDER BY incident_id"
    )
    async with contextlib.aclosing(_fetched(await conn.cursor(sql, *scope))) as fetched:
        async for records in fetched:
            yield [_decode_book(record[0]) for record in records]


async def _fetched(cursor: Cursor[asyncpg.Record]) -> AsyncGenerator[list[asyncpg.Record], None]:
    """The cursor's records, PREFETCH a round trip (no per-row await), each batch asked
    for before the one before it is handed on: PostgreSQL finds and sends it while this
    process builds that one's rows, each on a core."""
    pending = asyncio.ensure_future(cursor.fetch(PREFETCH))
    try:
        while records := await pending:
            pending = asyncio.ensure_future(cursor.fetch(PREFETCH))
            await asyncio.sleep(0)  # the request on its way before this batch's work
            yield records
    finally:  # however the reading ends, no query left running when the transaction ends
        await _settled(pending)


async def _settled(pending: asyncio.Future[Any]) -> None:
    """``pending`` stopped if it still runs (asyncpg asks the server to stop the read, and
    the connection's next command waits for that), and its outcome retrieved (its records,
    or its failure, unwanted now). Waited for through every cancellation: the anyio scope a
    streamed response runs in cancels each await again until the task is out of it, and a
    wait cut short would leave the read on the connection. A cancellation met is raised
    again once it is done."""
    pending.cancel()
    cancelled = False
    while not pending.done():
        try:
            await asyncio.wait([pending])
        except asyncio.CancelledError:
            cancelled = True
    if not pending.cancelled():
        pending.exception()
    if cancelled:
        raise asyncio.CancelledError


async def _books_then(
    conn: asyncpg.Connection, then: datetime, scope: Scope
) -> AsyncGenerator[list[losses.LossBook], None]:
    sql = (
        "SELECT incident_id, position, version, recorded_at, record FROM events"
        f" WHERE type = any($1) AND recorded_at <= $2 AND {IN_SCOPE.format(o='$3', s='$4')}"
        " ORDER BY incident_id, position"
    )
    current: list[Any] = []
    fetched = _fetched(await conn.cursor(sql, _TYPES, then, *scope))
    async with contextlib.aclosing(fetched):
        async for records in fetched:
            books, current = _folded(records, current)
            yield books
    if current and (book := losses.fold(current)):
        yield [book]


def _folded(
    records: list[asyncpg.Record], current: list[Any]
) -> tuple[list[losses.LossBook], list[Any]]:
    """The books of the incidents a batch of events ends, folded, and the facts of its last
    incident, which the next batch may go on with (``current``: those of the batch before)."""
    books = []
    for r in records:
        if current and current[-1].incident_id != r["incident_id"]:
            if book := losses.fold(current):
                books.append(book)
            current = []
        current.append(from_record(r["position"], r["version"], r["recorded_at"], r["record"]))
    return books, current
