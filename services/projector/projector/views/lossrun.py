"""Loss runs as insurers expect them, streamed: a header (insured, carrier, policy,
valuation date), one row per claim, totals per currency.

Valued today, the rows come from the ``losses`` read model. Valued at a past date, they
are folded from the log itself (only loss and claim events the ledger had recorded by the
end of that date), with the projector's own :func:`projector.domain.losses.as_of`. Either way the
rows are read through a server-side cursor, so memory stays flat however long the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import msgspec

from contracts.personal import redact
from projector.domain import losses
from projector.domain.facts import from_record
from projector.views.scoped import IN_SCOPE
from projector.views.summaries import money

PREFETCH = 2000
COLUMNS = (
    "incident_id", "claim_number", "date_of_loss", "date_reported", "kind", "location_code",
    "claimant", "carrier", "policy_number", "coverage", "status", "paid", "reserve", "incurred",
    "recovered", "net_incurred", "currency",
)  # fmt: skip
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

    def end_of_valuation(self) -> datetime | None:
        if self.as_of is not None:
            return self.as_of
        if self.valuation_date is None:
            return None
        return datetime.combine(self.valuation_date + timedelta(days=1), time(), UTC)

    def keeps(self, row: losses.LossRunRow) -> bool:
        day = row.date_of_loss.date() if row.date_of_loss else None
        return (
            (self.carrier is None or row.insurer == self.carrier)
            and (self.policy is None or row.policy_number == self.policy)
            and (self.loss_from is None or (day is not None and day >= self.loss_from))
            and (self.loss_to is None or (day is not None and day <= self.loss_to))
        )


class Header(msgspec.Struct, frozen=True):
    insured: str
    carrier: str
    policy: str
    valuation_date: date


async def rows(conn: asyncpg.Connection, query: Query) -> AsyncIterator[losses.LossRunRow]:
    """The run's rows, in incident order; ``conn`` must be in a transaction (cursor)."""
    then = query.end_of_valuation()
    scope = (query.organisation_id, query.site_id)
    books = _books_now(conn, scope) if then is None else _books_then(conn, then, scope)
    async for book in books:
        for row in losses.loss_run_rows(book):
            if query.keeps(row):
                yield redact(row) if query.redact else row


Scope = tuple[str | None, str | None]


async def _books_now(conn: asyncpg.Connection, scope: Scope) -> AsyncIterator[losses.LossBook]:
    sql = (
        "SELECT doc FROM losses WHERE doc->'claims' <> '{}'::jsonb"
        f" AND {IN_SCOPE.format(o='$1', s='$2')} ORDER BY incident_id"
    )
    async for record in conn.cursor(sql, *scope, prefetch=PREFETCH):
        yield _decode_book(record["doc"])


async def _books_then(
    conn: asyncpg.Connection, then: datetime, scope: Scope
) -> AsyncIterator[losses.LossBook]:
    sql = (
        "SELECT incident_id, position, version, recorded_at, record FROM events"
        f" WHERE type = any($1) AND recorded_at <= $2 AND {IN_SCOPE.format(o='$3', s='$4')}"
        " ORDER BY incident_id, position"
    )
    current: list[Any] = []
    async for r in conn.cursor(sql, _TYPES, then, *scope, prefetch=PREFETCH):
        if current and current[-1].incident_id != r["incident_id"]:
            if book := losses.fold(current):
                yield book
            current = []
        current.append(from_record(r["position"], r["version"], r["recorded_at"], r["record"]))
    if current and (book := losses.fold(current)):
        yield book


def amounts(row: losses.LossRunRow) -> list[int]:
    return [
        row.paid_minor,
        row.reserve_minor,
        row.incurred_minor,
        row.recovered_minor,
        row.net_minor,
    ]


def cells(row: losses.LossRunRow) -> list[Any]:
    """A row as text cells (amounts in currency units, as printed)."""
    figures = [money(a, row.currency).rsplit(" ", 1)[0] for a in amounts(row)]
    return [
        row.incident_id, row.claim_number, _day(row.date_of_loss), _day(row.date_reported),
        row.kind or "", row.location_code or "", row.claimant, row.insurer, row.policy_number,
        row.coverage, row.status, *figures, row.currency,
    ]  # fmt: skip


def xlsx_cells(row: losses.LossRunRow) -> list[Any]:
    """A row for a spreadsheet: amounts as numbers in currency units."""
    text = cells(row)
    return [*text[:11], *(units(a, row.currency) for a in amounts(row)), row.currency]


def units(amount_minor: int, currency: str) -> float:
    return float(money(amount_minor, currency).rsplit(" ", 1)[0])


def _day(at: datetime | None) -> str:
    return at.date().isoformat() if at else ""


class Totals:
    """Per-currency totals, kept while the rows stream past."""

    def __init__(self) -> None:
        self.by_currency: dict[str, list[int]] = {}

    def add(self, row: losses.LossRunRow) -> None:
        acc = self.by_currency.setdefault(row.currency, [0] * 6)
        acc[0] += 1
        for i, amount in enumerate(amounts(row), start=1):
            acc[i] += amount

    def as_json(self) -> dict[str, dict[str, int]]:
        names = (
            "claims",
            "paid_minor",
            "reserve_minor",
            "incurred_minor",
            "recovered_minor",
            "net_minor",
        )
        return {
            cur: dict(zip(names, acc, strict=True)) for cur, acc in sorted(self.by_currency.items())
        }

    def xlsx_cells(self) -> Iterator[list[Any]]:
        for currency, acc in sorted(self.by_currency.items()):
            figures = [units(a, currency) for a in acc[1:]]
            yield ["TOTAL", acc[0], *[""] * 9, *figures, currency]

    def cells(self) -> Iterator[list[Any]]:
        for currency, acc in sorted(self.by_currency.items()):
            figures = [money(a, currency).rsplit(" ", 1)[0] for a in acc[1:]]
            yield [
                "TOTAL",
                f"{acc[0]} claims",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                *figures,
                currency,
            ]
