"""Append receipts: once a signed checkpoint covers the events just recorded, an inclusion
proof of each against it, so the publisher holds evidence that needs no later request."""

from __future__ import annotations

import asyncio
import base64
import time

import asyncpg
import msgspec
from ledger_verify.merkle import leaf_hash

from contracts.outcomes import Duplicate, Outcome, Recorded
from ledger.audit import tile_proofs as proofs

WAIT = 5.0  # seconds a receipt is waited for; checkpoints are signed every second


class Proven(msgspec.Struct, frozen=True):
    event_id: str
    position: int
    record: str  # base64 of the record bytes the leaf hash is taken over
    leaf_hash: str
    proof: list[str]


class Receipt(msgspec.Struct, frozen=True):
    tree_size: int
    checkpoint: str  # the signed note the proofs lead to
    proofs: list[Proven]


async def _covered(conn: asyncpg.Connection, position: int) -> tuple[int, str] | None:
    deadline = time.monotonic() + WAIT
    while True:
        size, note = await proofs.latest_checkpoint(conn)
        if size >= position:
            return size, note
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.1)


async def receipt(pool: asyncpg.Pool, outcomes: list[Outcome]) -> Receipt | None:
    """The receipt for the recorded (and duplicate) outcomes, or None when no checkpoint
    covers them within ``WAIT`` seconds (the proofs stay available at
    ``/v1/audit/proof/inclusion``)."""
    done = [o for o in outcomes if isinstance(o, Recorded | Duplicate)]
    if not done:
        return None
    async with pool.acquire() as conn:
        covered = await _covered(conn, max(o.position for o in done))
        if covered is None:
            return None
        size, note = covered
        paths = await proofs.inclusions(conn, [o.position for o in done], size)
        rows = await conn.fetch(
            "SELECT position, record FROM events WHERE position = ANY($1::bigint[])",
            [o.position for o in done],
        )
    records = {r["position"]: bytes(r["record"]) for r in rows}
    return Receipt(
        size, note, [_proven(o, records[o.position], p) for o, p in zip(done, paths, strict=True)]
    )


def _proven(outcome: Recorded | Duplicate, record: bytes, path: list[bytes]) -> Proven:
    return Proven(
        str(outcome.event_id),
        outcome.position,
        base64.b64encode(record).decode(),
        leaf_hash(record).hex(),
        [h.hex() for h in path],
    )
