"""A ledger holding several organisations' profiles, for the stories of who is subject to
what: events recorded through the writer, folded by the projector, read through the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from nats.aio.client import Client

from contracts import builders
from contracts.builders.profile import update_organisation
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from contracts.events.profile import OrganisationProfile
from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db
from projector.domain.models import Config
from projector.follow import runner
from tests import seeding
from tests.integration.test_api import http

OFFICER = Actor(id="officer-1", name="Duty officer", role="officer")


class Ledger:
    """Record, fold, read: the three moves of every story here."""

    def __init__(self, client: httpx.AsyncClient, pool: asyncpg.Pool, nc: Client, token: str):
        self.client, self.pool, self.nc, self.token = client, pool, nc, token

    async def record(self, *envelopes: Envelope) -> int:
        """Record ``envelopes`` in one batch; the position of the first."""
        async with self.pool.acquire() as conn:
            await seeding.append(conn, self.nc, list(envelopes))
            return await _position_of(conn, envelopes[0])

    async def register(
        self, organisation_id: str, *, sites: tuple[str, ...] = (), **profile: Any
    ) -> int:
        """Record an organisation (and its sites); the position of its registration."""
        async with self.pool.acquire() as conn:
            events = seeding.profile_events(organisation_id, sites=sites, **profile)
            await seeding.append(conn, self.nc, events)
            return await _position_of(conn, events[0])

    async def update(self, organisation_id: str, **profile: Any) -> int:
        event = update_organisation(
            organisation_id=organisation_id, name=organisation_id,
            profile=OrganisationProfile(**profile), source="desk", actor=seeding.REGISTRAR,
        )  # fmt: skip
        async with self.pool.acquire() as conn:
            await seeding.append(conn, self.nc, [event])
            return await _position_of(conn, event)

    async def fold(self, config: Config) -> None:
        async with self.pool.acquire() as conn:
            generation = await runner.prepare(conn, config)
            await runner.catch_up(conn, generation, config)

    async def get(self, path: str, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = await self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    async def deadlines(self, incident: str) -> dict[str, dict[str, Any]]:
        """The incident's board with each obligation's basis (shown when explained)."""
        found = await self.get(f"/v1/incidents/{incident}/deadlines", explain="true")
        return {item["ref"]: item for item in found["items"]}

    async def status(self, incident: str) -> dict[str, Any]:
        found: dict[str, Any] = (await self.get(f"/v1/incidents/{incident}/timeline"))["status"]
        return found


async def _position_of(conn: asyncpg.Connection, event: Envelope) -> int:
    found = await conn.fetchval("SELECT position FROM events WHERE event_id = $1", event.event_id)
    return int(found)


async def ledger(pool: asyncpg.Pool, nc: Client, config: Config) -> AsyncIterator[Ledger]:
    async with pool.acquire() as conn:
        token = (await tokens.create(conn, role="auditor", name="test auditor"))[1]
    app = create_app(pool, nc, db.head_revision(), projector=config)
    async with http(app) as client:
        yield Ledger(client, pool, nc, token)


def incident(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def reported(
    incident_id: str, at: datetime, place: str, kind: IncidentKind = IncidentKind.FIRE
) -> Envelope:
    return builders.report_incident(
        kind=kind, title=f"{kind} at {place}", site=Site(name=place, location_code=place),
        channel=ReportChannel.PHONE, detected_at=at, incident_id=incident_id, source="desk",
        actor=OFFICER, occurred_at=at,
    )  # fmt: skip


def on(incident_id: str, at: datetime) -> builders.EnvelopeArgs:
    """The envelope fields of an event of ``incident_id`` that happened ``at``."""
    return {"incident_id": incident_id, "source": "desk", "actor": OFFICER, "occurred_at": at}
