"""How long each data subject's values are held (``contracts.retention``'s policies, read
against the ledger): when the subject's clock started, and so until when; and the subjects
whose time is up. The retention run erases those (``ledger_api.erasures.erase_due``)."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import msgspec

from contracts.retention import After, Policy, policy_for

_LAST_RECORDED = """
SELECT max(e.recorded_at) FROM sealed_values v JOIN events e ON e.event_id = v.event_id
WHERE v.subject = $1
"""
# Each claim of the incident by its latest opening or update: all closed (or denied), and
# the last of those closes; a claim still open stops the clock.
_CLAIMS_CLOSED = """
SELECT bool_and(status IN ('closed', 'denied')) AS closed, max(recorded_at) AS at FROM (
  SELECT DISTINCT ON (p ->> 'claim_number') p ->> 'status' AS status, recorded_at FROM (
    SELECT convert_from(record, 'UTF8')::jsonb #> '{event,payload}' AS p, recorded_at, position
    FROM events WHERE incident_id = $1 AND type IN ('claim.opened.v1', 'claim.updated.v1')
  ) claims ORDER BY p ->> 'claim_number', position DESC
) latest
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
    if policy.after is After.LAST_RECORDED:
        last: datetime | None = await conn.fetchval(_LAST_RECORDED, subject)
        return last
    incident = subject.partition(":")[0]
    row = await conn.fetchrow(_CLAIMS_CLOSED, incident)
    return row["at"] if row is not None and row["closed"] else None


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
