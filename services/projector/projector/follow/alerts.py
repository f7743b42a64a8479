"""Deadline alerts: ``incidents.alerts.deadline.due_soon`` and ``….missed``, once each.

Each tick, in one transaction on a connection of the leader's own: find obligations whose
due-soon lead or due time has passed, claim their alerts in ``deadline_alerts`` (a primary
key per obligation, kind and due time), publish each claimed one to JetStream keyed by the
same identity, and mark the obligations the projector has not rewritten meanwhile. A crash
before commit releases the claims and the republish is a JetStream duplicate; after commit
the claims stand, across restarts, rebuilds and standby instances.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import msgspec
from nats.js import JetStreamContext

from contracts.topology import Topology
from projector import projector_metrics as metrics
from projector.domain.deadlines.obligation import clock_sql, due_soon_sql, turning_sql

# The alert's kind is the state the clock has turned the row into at $1 (due_soon or missed,
# by the rules in ``obligation``); a row whose lead time has begun is turned into one of them.
_DUE = f"""
SELECT incident_id, ref, pack_id, pack_version, rule, stage, due_at, state,
       {clock_sql("$1")} AS kind
FROM deadlines
WHERE {turning_sql()} AND due_at IS NOT NULL AND {due_soon_sql("$1")}
ORDER BY due_at LIMIT 500
"""
_CLAIM = """
INSERT INTO deadline_alerts (incident_id, ref, kind, due_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
ON CONFLICT DO NOTHING RETURNING incident_id, ref, kind, due_at
"""
# The scheduler never waits for a deadline row's lock: the fold's save (projector.follow.model_rows)
# locks the rows it upserts and deletes in its own order, and two orders over the same
# rows deadlocked (one chaos run in three). A row the fold holds is one it is rewriting,
# which the mark must leave alone anyway; it is marked at a later tick if still due (the
# alert itself is claimed and sent once, whatever the mark finds). Waiting on one side
# only, no cycle can form.
_MARK = """
WITH n AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
    AS n(incident_id, ref, kind, was, due_at)),
free AS (
  SELECT d.incident_id, d.ref, n.kind FROM rm_deadlines_g{g} AS d
  JOIN n ON d.incident_id = n.incident_id AND d.ref = n.ref
  -- Only rows the projector has not rewritten since they were read: a step that met the
  -- obligation meanwhile keeps its verdict.
  WHERE d.state = n.was AND d.due_at = n.due_at
  ORDER BY d.incident_id, d.ref
  FOR UPDATE OF d SKIP LOCKED)
UPDATE rm_deadlines_g{g} AS d SET state = free.kind FROM free
WHERE d.incident_id = free.incident_id AND d.ref = free.ref
"""


class Alert(msgspec.Struct, frozen=True):
    incident_id: str
    ref: str
    pack_id: str
    pack_version: str
    rule: str
    stage: str
    due_at: datetime
    state: str
    detected_at: datetime


async def _publish(js: JetStreamContext, topology: Topology, alert: Alert) -> None:
    msg_id = f"{alert.incident_id}/{alert.ref}/{alert.state}/{alert.due_at.isoformat()}"
    await js.publish(
        topology.alert_subject(alert.state),
        msgspec.json.encode(alert),
        headers={"Nats-Msg-Id": msg_id},
    )
    metrics.ALERTS.labels(alert.state).inc()


async def tick(
    conn: asyncpg.Connection, js: JetStreamContext, topology: Topology, generation: int
) -> int:
    """Publish every alert now due (up to 500 a tick); return how many."""
    now = datetime.now(UTC)
    async with conn.transaction():
        rows = await conn.fetch(_DUE, now)
        if not rows:
            return 0
        columns = [[r[k] for r in rows] for k in ("incident_id", "ref", "kind", "due_at")]
        won = {tuple(r.values()) for r in await conn.fetch(_CLAIM, *columns)}
        fresh = [_alert(r, now) for r in rows if _identity(r) in won]
        await asyncio.gather(*(_publish(js, topology, alert) for alert in fresh))
        was = [r["state"] for r in rows]
        await conn.execute(_MARK.format(g=generation), *columns[:3], was, columns[3])
    return len(fresh)


def _identity(row: asyncpg.Record) -> tuple[object, ...]:
    return (row["incident_id"], row["ref"], row["kind"], row["due_at"])


def _alert(row: asyncpg.Record, now: datetime) -> Alert:
    return Alert(
        row["incident_id"],
        row["ref"],
        row["pack_id"],
        row["pack_version"],
        row["rule"],
        row["stage"],
        row["due_at"],
        row["kind"],
        now,
    )
