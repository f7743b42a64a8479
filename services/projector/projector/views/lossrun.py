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

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import msgspec

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
) -> AsyncIterator[list[loss_run.Line]]:
    """The run's rows, in incident order, in lists of about ``size`` (one await a list, not
    a row); ``conn`` must be in a transaction (cursor)."""
    then, valued_at = query.end_of_valuation(), query.valued_at()
    scope = (query.organisation_id, query.site_id)
    books = _books_now(conn, scope) if then is None else _books_then(conn, then, scope)
    filtered = (query.carrier, query.policy, query.loss_from, query.loss_to) != (None,) * 4
    batch: list[loss_run.Line] = []
    count = 0
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
) -> AsyncIterator[list[losses.LossBook]]:
    sql = (
        "SELECT doc FROM losses"
        " WHERE (doc->'claims' <> '{}'::jsonb OR doc->'losses' <> '{}'::jsonb)"
        f" AND {IN_SCOPE.format(o='$1', s='$2')} ORDER BY incident_id"
    )
    cursor = await conn.cursor(sql, *scope)
    while records := await cursor.fetch(PREFETCH):  # a batch a round trip, no per-row await
        yield [_decode_book(record[0]) for record in records]


async def _books_then(
    conn: asyncpg.Connection, then: datetime, scope: Scope
) -> AsyncIterator[list[losses.LossBook]]:
    sql = (
        "SELECT incident_id, position, version, recorded_at, record FROM events"
        f" WHERE type = any($1) AND recorded_at <= $2 AND {IN_SCOPE.format(o='$3', s='$4')}"
        " ORDER BY incident_id, position"
    )
    current: list[Any] = []
    cursor = await conn.cursor(sql, _TYPES, then, *scope)
    while records := await cursor.fetch(PREFETCH):  # a batch a round trip, no per-row await
        books = []
        for r in records:
            if current and current[-1].incident_id != r["incident_id"]:
                if book := losses.fold(current):
                    books.append(book)
                current = []
            current.append(from_record(r["position"], r["version"], r["recorded_at"], r["record"]))
        yield books
    if current and (book := losses.fold(current)):
        yield [book]
