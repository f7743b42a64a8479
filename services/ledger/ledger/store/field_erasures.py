"""Fields of a data subject erased on their own (docs/erasure.md, a retention policy of
fields in ``contracts.retention``): the ciphertexts of the subject's values at those
fields of its ``personal`` blocks set NULL, so that they read "erased" as an erased
subject's do, while its key and its other values stay; one row per subject and field in
``field_erasures`` (migration 0024), so that each is done once.

The erasure takes ``sealed_values`` in SHARE mode first, as a subject's does
(``ledger.store.subject_keys.erase``): an ingest statement under way commits first and its
value at the field is erased with the others. The ingest's sealing knows nothing of erased
fields, so a value sent at such a field later is stored: :func:`sweep`, at every retention
run, sets NULL every value held at a field erased, so it is held until the next run at most.
"""

from __future__ import annotations

import asyncpg

from contracts.retention import field_prefixes
from ledger.store.retention import FieldErasure
from ledger.store.subject_keys import ERASED_CHANNEL, UnknownSubject

# A value at one of the fields $2 (its path, or below it in a correction's ``personal``).
_AT_FIELDS = """EXISTS (SELECT 1 FROM unnest($2::text[]) f, unnest($3::text[]) p
  WHERE v.path = p || f OR starts_with(v.path, p || f || '.'))"""
_INSERT = """
INSERT INTO field_erasures (subject, field, erased_by, reason)
SELECT $1, f, $3, $4 FROM unnest($2::text[]) f ON CONFLICT DO NOTHING RETURNING field, erased_at
"""
_SWEEP = """
UPDATE sealed_values v SET ciphertext = NULL FROM field_erasures f
WHERE v.subject = f.subject AND v.ciphertext IS NOT NULL AND EXISTS (
  SELECT 1 FROM unnest($1::text[]) p
  WHERE v.path = p || f.field OR starts_with(v.path, p || f.field || '.'))
RETURNING v.subject
"""
# Erased fields, grouped by subject, not yet cleared from NATS or one of whose incidents
# recorded an event past the last position read before the clearing scan (as a subject's
# erasure is pending: ``ledger.store.erased_messages``).
_PENDING = """
SELECT f.subject, array_agg(f.field ORDER BY f.field) AS fields FROM field_erasures f
WHERE f.stream_cleared_upto IS NULL OR EXISTS (
  SELECT 1 FROM events e WHERE e.position > f.stream_cleared_upto AND e.incident_id IN (
    SELECT v.incident_id FROM sealed_values v WHERE v.subject = f.subject))
GROUP BY f.subject ORDER BY min(f.erased_at), f.subject
"""


async def left(conn: asyncpg.Connection, subject: str, fields: list[str]) -> list[str]:
    """Those of ``fields`` of ``subject`` not erased yet."""
    done = await conn.fetch(
        "SELECT field FROM field_erasures WHERE subject = $1 AND field = ANY($2::text[])",
        subject,
        fields,
    )
    return [f for f in fields if f not in {r["field"] for r in done}]


async def erase(
    conn: asyncpg.Connection, subject: str, fields: list[str], by: str, reason: str
) -> FieldErasure | None:
    """Erase ``subject``'s values at ``fields``, in one transaction that notifies
    ``ERASED_CHANNEL`` of the subject (readers drop what they kept of it); None if nothing
    was left to do (the fields erased already, by another run, or the whole subject)."""
    async with conn.transaction():
        await conn.execute("LOCK TABLE sealed_values IN SHARE MODE")
        key = await conn.fetchrow(
            "SELECT erased_at FROM subject_keys WHERE subject = $1 FOR UPDATE", subject
        )
        if key is None:
            raise UnknownSubject(subject)
        rows = [] if key["erased_at"] else await conn.fetch(_INSERT, subject, fields, by, reason)
        if not rows:
            return None
        done = [r["field"] for r in rows]
        await conn.execute(
            f"UPDATE sealed_values v SET ciphertext = NULL WHERE v.subject = $1 AND {_AT_FIELDS}",
            subject, done, field_prefixes(),
        )  # fmt: skip
        await conn.execute("SELECT pg_notify($1, $2)", ERASED_CHANNEL, subject)
    return FieldErasure(sorted(done), rows[0]["erased_at"], by, reason, None)


async def note_position(
    conn: asyncpg.Connection, subject: str, fields: list[str], position: int
) -> None:
    """Where the ledger recorded the erasure of ``subject``'s ``fields``."""
    await conn.execute(
        "UPDATE field_erasures SET position = $3 WHERE subject = $1 AND field = ANY($2::text[])",
        subject,
        fields,
        position,
    )


async def sweep(conn: asyncpg.Connection) -> list[str]:
    """Erase every value still held at a field erased (stored after its erasure); the
    subjects whose values went, each notified as at an erasure."""
    async with conn.transaction():
        rows = await conn.fetch(_SWEEP, field_prefixes())
        subjects = sorted({r["subject"] for r in rows})
        for subject in subjects:
            await conn.execute("SELECT pg_notify($1, $2)", ERASED_CHANNEL, subject)
    return subjects


async def pending(conn: asyncpg.Connection) -> dict[str, list[str]]:
    """Each subject whose erased fields' messages may still be in NATS, with those fields."""
    return {r["subject"]: list(r["fields"]) for r in await conn.fetch(_PENDING)}
