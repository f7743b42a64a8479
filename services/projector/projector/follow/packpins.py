"""Pinning policy pack versions in the database (``policy_packs``): the projector vets
the packs it is about to apply, at start and on every reload."""

from __future__ import annotations

import asyncpg

from projector.domain.deadlines import PackError
from projector.domain.deadlines.pins import conflicts, digest
from projector.domain.models import Config

_PIN = """
INSERT INTO policy_packs (pack_id, version, digest)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT DO NOTHING
"""
_PINNED = """
SELECT pack_id, version, digest FROM policy_packs
WHERE (pack_id, version) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""


async def vet(conn: asyncpg.Connection, config: Config) -> None:
    """Pin the pack versions applied for the first time; raise ``PackError`` naming each
    pack whose version was applied before with other rules (and pin nothing then: the
    packs are not applied)."""
    ids, versions = [p.id for p in config.packs], [p.version for p in config.packs]
    async with conn.transaction():  # a refusal rolls back the new pins with it
        await conn.execute(_PIN, ids, versions, [digest(p) for p in config.packs])
        rows = await conn.fetch(_PINNED, ids, versions)
        pinned = {(r["pack_id"], r["version"]): r["digest"] for r in rows}
        if problems := conflicts(config.packs, pinned):
            raise PackError("; ".join(problems))
