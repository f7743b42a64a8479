"""The loss run as CSV, valued today, written by PostgreSQL itself (``COPY … TO STDOUT``)
from the ``losses`` read model and streamed through: the fast path for long runs.

The columns and their meaning are those of :func:`projector.losses.loss_run_rows` and
:func:`ledger.api.lossrun.cells`; a test holds the two paths to the same rows. Runs valued
at a past date are folded from the log in Python instead (``lossrun.rows``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg

from ledger.api import lossrun

_AMOUNT = """CASE WHEN c.value->>'currency' = ANY('{{JPY,KRW,VND,CLP,ISK}}')
  THEN (c.value->>'{0}')::bigint::text
  ELSE ((c.value->>'{0}')::numeric / 100)::numeric(30, 2)::text END"""
_LOSS_DATE = """(coalesce((l.doc->>'loss_date')::timestamptz, (
    SELECT min((h.value->'history'->0->>'occurred_at')::timestamptz)
    FROM jsonb_each(l.doc->'losses') h)) AT TIME ZONE 'UTC')::date"""
_ROWS = f"""
SELECT l.incident_id, c.value->>'claim_number', {_LOSS_DATE} AS date_of_loss,
  ((c.value->>'reported_at')::timestamptz AT TIME ZONE 'UTC')::date,
  l.doc->>'kind', l.doc->>'location_code',
  CASE WHEN $1 THEN '' ELSE coalesce(c.value->>'claimant', '') END,
  c.value->>'insurer', c.value->>'policy_number',
  coalesce((SELECT string_agg(DISTINCT x.value->'latest'->>'category' COLLATE "C", ', ')
            FROM jsonb_each(l.doc->'losses') x
            WHERE x.value->'latest'->>'policy_ref' = c.value->>'policy_number'), ''),
  c.value->>'status',
  {_AMOUNT.format("paid_minor")}, {_AMOUNT.format("reserve_minor")},
  {_AMOUNT.format("incurred_minor")}, {_AMOUNT.format("recovered_minor")},
  {_AMOUNT.format("net_minor")}, c.value->>'currency'
FROM losses l CROSS JOIN LATERAL jsonb_each(l.doc->'claims') AS c(key, value)
WHERE l.doc->'claims' <> '{{}}'::jsonb
  AND ($2::text IS NULL OR c.value->>'insurer' = $2)
  AND ($3::text IS NULL OR c.value->>'policy_number' = $3)
"""
_DATES = (
    f" AND ($4::date IS NULL OR {_LOSS_DATE} >= $4) AND ($5::date IS NULL OR {_LOSS_DATE} <= $5)"
)
COPY = _ROWS + _DATES + " ORDER BY l.incident_id, c.value->>'claim_number'"
_TOTALS = f"""
SELECT c.value->>'currency' AS currency, count(*) AS claims,
  sum((c.value->>'paid_minor')::bigint) AS paid,
  sum((c.value->>'reserve_minor')::bigint) AS reserve,
  sum((c.value->>'incurred_minor')::bigint) AS incurred,
  sum((c.value->>'recovered_minor')::bigint) AS recovered,
  sum((c.value->>'net_minor')::bigint) AS net
FROM losses l CROSS JOIN LATERAL jsonb_each(l.doc->'claims') AS c(key, value)
WHERE l.doc->'claims' <> '{{}}'::jsonb
  AND ($1::text IS NULL OR c.value->>'insurer' = $1)
  AND ($2::text IS NULL OR c.value->>'policy_number' = $2)
  AND ($3::date IS NULL OR {_LOSS_DATE} >= $3) AND ($4::date IS NULL OR {_LOSS_DATE} <= $4)
GROUP BY 1
"""


def _args(query: lossrun.Query) -> list[object]:
    return [query.carrier, query.policy, query.loss_from, query.loss_to]


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
