"""How long each data subject's values are held (``contracts.retention``'s policies, read
against the ledger): when the subject's clock started, and so until when; and the subjects
whose time is up. The retention run erases those (``ledger_api.erasures.erase_due``).

A subject no record names (its only values were in events the ledger rejected: sealing
comes before sequencing) is held from when its key was made. The claims' statuses are those
the projector folded, corrections applied (the ``claims`` read model), and only once it has
folded every record of the incident; until then no clock runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import msgspec

from contracts.retention import CLAIM_CLOSED, After, Policy, policy_for

_LAST_RECORDED = """
SELECT max(e.recorded_at) FROM sealed_values v JOIN events e ON e.event_id = v.event_id
WHERE v.subject = $1
"""
_KEY_MADE = "SELECT created_at FROM subject_keys WHERE subject = $1"
# Every claim of the incident closed, as the read model has it once it folded the
# incident's last record; the last close no earlier than the incident's last claim record
# or correction of one.
_CLAIMS_CLOSED = """
SELECT (SELECT bool_and(status = ANY($2::text[])) FROM claims WHERE incident_id = $1)
         AS closed,
       (SELECT s.last_position >= (SELECT max(position) FROM events WHERE incident_id = $1)
          FROM incident_status s WHERE s.incident_id = $1) AS folded,
       (SELECT max(e.recorded_at) FROM events e WHERE e.incident_id = $1 AND (
          e.type IN ('claim.opened.v1', 'claim.updated.v1') OR (e.type = 'event.corrected.v1'
          AND EXISTS (SELECT 1 FROM events c WHERE c.incident_id = $1
            AND c.event_id::text = convert_from(e.record, 'UTF8')::jsonb
                                   #>> '{event,payload,corrects_event_id}'
            AND c.type IN ('claim.opened.v1', 'claim.updated.v1'))))) AS at
"""


class Retention(msgspec.Struct, frozen=True):
    """A subject's retention: its policy, from when its period runs and until when the
    values are held (None: not yet known, its clock has not started)."""

    policy: str
    regime: str
    keep_days: int
    after: After
    since: datetime | None
    held_until: datetime | None


async def of(conn: asyncpg.Connection, subject: str) -> Retention | None:
    """``subject``'s retention (None: no policy governs it; held until erased on request)."""
    policy = policy_for(subject)
    if policy is None:
        return None
    since = await _since(conn, subject, policy)
    keep = policy.keep // timedelta(days=1)
    return Retention(policy.name, policy.regime, keep, policy.after, since, policy.until(since))


async def _since(conn: asyncpg.Connection, subject: str, policy: Policy) -> datetime | None:
    last: datetime | None = await conn.fetchval(_LAST_RECORDED, subject)
    if last is None:  # no record names its values: held from when its key was made
        made: datetime | None = await conn.fetchval(_KEY_MADE, subject)
        return made
    if policy.after is After.LAST_RECORDED:
        return last
    return await _claims_closed(conn, subject.partition(":")[0])


async def _claims_closed(conn: asyncpg.Connection, incident: str) -> datetime | None:
    """When the incident's last claim closed (None: one is open, or not folded yet)."""
    try:
        row = await conn.fetchrow(_CLAIMS_CLOSED, incident, sorted(s.value for s in CLAIM_CLOSED))
    except asyncpg.UndefinedTableError:  # no read model built yet: nothing known closed
        return None
    if row is None or not row["closed"] or not row["folded"]:
        return None
    at: datetime | None = row["at"]
    return at


async def due(conn: asyncpg.Connection, now: datetime) -> list[tuple[str, Retention]]:
    """Every subject not erased whose values are held no longer than ``now``."""
    subjects = await conn.fetch(
        "SELECT subject FROM subject_keys WHERE erased_at IS NULL ORDER BY subject"
    )
    found = []
    for (subject,) in subjects:
        held = await of(conn, subject)
        if held is not None and held.held_until is not None and held.held_until <= now:
            found.append((subject, held))
    return found


_UNBOUND = """
SELECT count(*) FROM sealed_values v
WHERE NOT EXISTS (SELECT 1 FROM subject_keys k WHERE k.subject = v.subject)
"""


async def unbound(conn: asyncpg.Connection) -> int:
    """How many sealed values name a subject that has no key row: no erasure reaches them.
    None should: the one statement that stores values makes or finds its key's row beside
    them (``ledger.store.sealed_writes``), and no key row is ever deleted; the foreign key
    that forbade them went for the ingest's speed (migration 0023), so the retention run
    looks for them instead."""
    return int(await conn.fetchval(_UNBOUND))
