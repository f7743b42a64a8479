"""Deadline alerts: ``incidents.alerts.deadline.due_soon`` and ``….missed``, once each.

Each tick, in one transaction on the leader's connection: find obligations whose due-soon
lead or due time has passed, claim each alert in ``deadline_alerts`` (a primary key per
obligation, kind and due time), publish it to JetStream keyed by the same identity, and
mark the obligation. A crash before commit releases the claim and the republish is a
JetStream duplicate; after commit the claim stands, across restarts, rebuilds and
standby instances.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import msgspec
from nats.js import JetStreamContext

from contracts.topology import Topology
from projector import metrics

_DUE = """
SELECT incident_id, ref, pack_id, pack_version, rule, stage, due_at, state,
       CASE WHEN due_at <= $1 THEN 'missed' ELSE 'due_soon' END AS kind
FROM deadlines
WHERE state IN ('pending', 'due_soon') AND due_at IS NOT NULL
  AND due_at - make_interval(secs => lead_seconds) <= $1
ORDER BY due_at LIMIT 500
"""
_CLAIM = """
INSERT INTO deadline_alerts (incident_id, ref, kind, due_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING RETURNING 1
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
    """Publish every alert now due; return how many."""
    now, sent = datetime.now(UTC), 0
    async with conn.transaction():
        for row in await conn.fetch(_DUE, now):
            alert = Alert(
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
            if await conn.fetchval(_CLAIM, alert.incident_id, alert.ref, alert.state, alert.due_at):
                await _publish(js, topology, alert)
                sent += 1
            await conn.execute(
                f"UPDATE rm_deadlines_g{generation} SET state = $3"
                " WHERE incident_id = $1 AND ref = $2",
                alert.incident_id,
                alert.ref,
                alert.state,
            )
    return sent
