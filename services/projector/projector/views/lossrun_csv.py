"""The loss run as CSV, valued today, written by PostgreSQL itself (``COPY … TO STDOUT``)
from the ``claims`` read model and streamed through: the fast path for long runs.

The columns and their meaning are those of :func:`projector.domain.losses.loss_run_rows` and
:func:`projector.views.lossrun.cells`; a test holds the two paths to the same rows. Runs valued
at a past date are folded from the log in Python instead (``lossrun.rows``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg

from contracts.personal import personal_fields
from projector.domain.losses import LossRunRow
from projector.views import lossrun
from projector.views.scoped import IN_SCOPE

_AMOUNT = """CASE WHEN currency IN ('JPY', 'KRW', 'VND', 'CLP', 'ISK') THEN {0}::text
  ELSE ({0}::numeric / 100)::numeric(30, 2)::text END"""
_WHERE = """
WHERE ({0}::text IS NULL OR insurer = {0}) AND ({1}::text IS NULL OR policy_number = {1})
  AND ({2}::date IS NULL OR date_of_loss >= {2}) AND ({3}::date IS NULL OR date_of_loss <= {3})
  AND """ + IN_SCOPE.format(o="{4}", s="{5}")
_TEXT = (
    "incident_id", "claim_number", "date_of_loss", "date_reported", "kind", "location_code",
    "claimant", "insurer", "policy_number", "coverage", "status",
)  # fmt: skip


def _shown(column: str) -> str:
    """A column as the reader may see it: a personal one (the row type says which) blank
    when ``$1`` (redact) is true."""
    return f"CASE WHEN $1 THEN '' ELSE {column} END" if column in _PERSONAL else column


_PERSONAL = personal_fields(LossRunRow)
COPY = f"""
SELECT {", ".join(_shown(c) for c in _TEXT)},
  {_AMOUNT.format("paid_minor")}, {_AMOUNT.format("reserve_minor")},
  {_AMOUNT.format("incurred_minor")}, {_AMOUNT.format("recovered_minor")},
  {_AMOUNT.format("net_minor")}, currency
FROM claims {_WHERE.format("$2", "$3", "$4", "$5", "$6", "$7")}
ORDER BY incident_id, claim_number
"""
_TOTALS = f"""
SELECT currency, count(*) AS claims, sum(paid_minor) AS paid, sum(reserve_minor) AS reserve,
  sum(incurred_minor) AS incurred, sum(recovered_minor) AS recovered, sum(net_minor) AS net
FROM claims {_WHERE.format("$1", "$2", "$3", "$4", "$5", "$6")}
GROUP BY 1
"""


def _args(query: lossrun.Query) -> list[object]:
    return [query.carrier, query.policy, query.loss_from, query.loss_to,
            query.organisation_id, query.site_id]  # fmt: skip


async def run(
    pool: asyncpg.Pool, query: lossrun.Query, totals: lossrun.Totals
) -> AsyncIterator[bytes]:
    """The claim rows as CSV chunks, as PostgreSQL writes them, then ``totals`` filled in
    from the same snapshot (one repeatable-read transaction). The queue is bounded: the
    copy waits while the client is slow, so memory stays flat."""
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=64)

    async def put(data: bytes) -> None:
        await chunks.put(bytes(data))  # asyncpg hands over a reused buffer

    async def copy() -> None:
        async with (
            pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            await conn.copy_from_query(COPY, query.redact, *_args(query), output=put, format="csv")
            for r in await conn.fetch(_TOTALS, *_args(query)):
                names = ("claims", "paid", "reserve", "incurred", "recovered", "net")
                sums = [int(r[n]) for n in names]  # sum(bigint) is numeric
                totals.by_currency[r["currency"]] = sums
        await chunks.put(None)

    task = asyncio.create_task(copy())
    try:
        while (chunk := await chunks.get()) is not None:
            yield chunk
        await task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
