"""One incident's obligations as the board reads them: now from the read model (each
with its state as the clock turns it at the moment of reading), or as of a past instant
from the projector's own folds over the events recorded by then, judged then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from ledger_api.profile_reads import ProfileReads
from projector.domain import models
from projector.domain.deadlines.obligation import Obligation, clock_sql
from projector.domain.facts import Fact, from_record
from projector.domain.models import Config, fold_more, models_of
from projector.views.board import Considered, Judged, item, ordered

LIVE_STATE = clock_sql("now()")
SELECT = f"""
SELECT d.incident_id, d.ref, d.doc, {LIVE_STATE} AS live_state, d.due_at
FROM deadlines d JOIN incident_status s USING (incident_id)
"""
FACTS = """
SELECT position, version, recorded_at, record FROM events
WHERE incident_id = $1 AND ($2::timestamptz IS NULL OR recorded_at <= $2) ORDER BY version
"""
_decode = msgspec.json.Decoder(Obligation).decode


def judged(row: asyncpg.Record) -> Judged:
    return _decode(row["doc"]), row["live_state"]


async def current(conn: asyncpg.Connection, incident_id: str) -> list[Judged]:
    return [judged(r) for r in await conn.fetch(SELECT + " WHERE d.incident_id = $1", incident_id)]


async def of_incident(conn: asyncpg.Connection, incident_id: str) -> list[dict[str, Any]]:
    return [item(j) for j in ordered(await current(conn, incident_id))]


async def facts_of(conn: asyncpg.Connection, incident_id: str, at: datetime | None) -> list[Fact]:
    rows = await conn.fetch(FACTS, incident_id, at)
    return [from_record(r["position"], r["version"], r["recorded_at"], r["record"]) for r in rows]


async def read(
    conn: asyncpg.Connection,
    incident_id: str,
    at: datetime | None,
    explain: bool,
    config: Config,
    profiles: ProfileReads,
) -> tuple[list[Judged], list[Considered] | None]:
    """The incident's obligations now (the read model) or as of ``at`` (the projector's own
    folds over the events recorded by then, judged then on the profiles recorded by then),
    and with ``explain`` the rules considered (judged over the same events and profiles)."""
    if at is None and not explain:
        return await current(conn, incident_id), None
    facts = await facts_of(conn, incident_id, at)
    if not facts:
        return [], [] if explain else None
    registry, position = await profiles.at(conn, at)
    folded = fold_more(None, facts, config)
    if at is None:
        found = await current(conn, incident_id)
    else:
        judged_then = models_of(folded, now=at, config=config, registry=registry, read=position)
        found = [(o, o.state) for o in judged_then.obligations]
    if not explain:
        return found, None
    return found, models.considered(folded, config=config, registry=registry, read=position)
