"""Incident timelines."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
import structlog
from litestar import get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from ledger import store
from ledger.api.auth import roles
from ledger.record import event_of


class TimelineEntry(msgspec.Struct, frozen=True):
    position: int
    version: int
    type: str
    source: str
    occurred_at: datetime
    recorded_at: datetime
    hash: str
    prev_hash: str | None
    event: dict[str, Any]


class Timeline(msgspec.Struct, frozen=True):
    incident_id: str
    entries: list[TimelineEntry]


IncidentPath = Annotated[
    str, Parameter(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Incident id")
]


@get(
    "/v1/incidents/{incident_id:str}/timeline",
    guards=[roles("auditor", "admin")],
    tags=["timelines"],
    summary="An incident's full timeline",
)
async def timeline(state: State, incident_id: IncidentPath) -> Timeline:
    structlog.contextvars.bind_contextvars(incident_id=incident_id)
    async with state.pool.acquire() as conn:
        rows = await store.timeline(conn, incident_id)
    if not rows:
        raise NotFoundException(f"incident {incident_id!r} has no recorded events")
    return Timeline(
        incident_id,
        [
            TimelineEntry(
                r["position"],
                r["version"],
                r["type"],
                r["source"],
                r["occurred_at"],
                r["recorded_at"],
                r["hash"].hex(),
                None if r["prev_hash"] is None else r["prev_hash"].hex(),
                event_of(r["record"]),
            )
            for r in rows
        ],
    )
