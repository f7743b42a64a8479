"""Triangles read from the log itself: every loss and claim event of the incidents in
scope (with their reports, for the date of loss), folded incident by incident into
movements (:mod:`projector.domain.development`) through a server-side cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from contracts.events import ClaimOpened, ClaimUpdated, IncidentReported, LossRecorded, LossRevised
from projector.domain.development import Basis, Measure, Movement, movements
from projector.domain.facts import Fact, from_record
from projector.views.scoped import IN_SCOPE
from projector.views.triangle import Builder, Shape
from projector.views.triangle_render import TriangleAnswer, currency_triangle

PREFETCH = 2000
_FOREVER = datetime(9999, 12, 31, tzinfo=UTC)
_TYPES = [t.TYPE for t in (IncidentReported, LossRecorded, LossRevised, ClaimOpened, ClaimUpdated)]
_SQL = (
    "SELECT incident_id, position, version, recorded_at, record FROM events"
    " WHERE type = any($1) AND recorded_at <= $2 AND {scope}"
    " ORDER BY incident_id, position"
)


async def read_movements(
    conn: asyncpg.Connection,
    measure: Measure,
    basis: Basis,
    known: datetime,
    scope: tuple[str | None, str | None] = (None, None),
    progress: Callable[[int], None] | None = None,
) -> AsyncIterator[Movement]:
    """``conn`` must be in a transaction (cursor). ``progress`` hears the events read so far,
    every 10,000. Events recorded after ``known`` are not read."""
    scoped = scope[0] is not None  # unscoped: no read model needed
    sql = _SQL.format(scope=IN_SCOPE.format(o="$3", s="$4") if scoped else "TRUE")
    args = (_TYPES, known, *scope) if scoped else (_TYPES, known)
    current: list[Fact] = []
    read = 0
    async for r in conn.cursor(sql, *args, prefetch=PREFETCH):
        if current and current[-1].incident_id != r["incident_id"]:
            for m in movements(current, measure, basis):
                yield m
            current = []
        current.append(_fact(r))
        read += 1
        if progress is not None and read % 10_000 == 0:
            progress(read)
    for m in movements(current, measure, basis):
        yield m


def _fact(r: Any) -> Fact:
    return from_record(r["position"], r["version"], r["recorded_at"], r["record"])


class TriangleQuery(msgspec.Struct, frozen=True, kw_only=True):
    measure: Measure = Measure.PAID
    basis: Basis = Basis.OCCURRED
    shape: Shape
    currency: str | None = None  # only this currency's triangle
    factors: bool = False
    organisation_id: str | None = None  # a scoped reader's: only incidents placed there
    site_id: str | None = None


async def answer(
    conn: asyncpg.Connection, query: TriangleQuery, progress: Callable[[int], None] | None = None
) -> TriangleAnswer:
    """The triangles ``query`` asks for, read in one repeatable-read transaction."""
    builder, shape = Builder(query.shape), query.shape
    scope = (query.organisation_id, query.site_id)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # on the occurred basis, everything the ledger knows now (dated by occurred_at)
        known = shape.valuation if query.basis is Basis.RECORDED else _FOREVER
        moves = read_movements(conn, query.measure, query.basis, known, scope, progress)
        async for m in moves:
            if query.currency is None or m.currency == query.currency:
                builder.add(m)
    return TriangleAnswer(
        measure=query.measure,
        basis=query.basis,
        origin=shape.origin,
        development=shape.development,
        valuation=shape.valuation,
        loss_from=shape.loss_from,
        loss_to=shape.loss_to,
        triangles=[
            currency_triangle(g, shape, query.measure, query.factors) for g in builder.grids()
        ],
    )
