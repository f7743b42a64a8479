"""A small ledger for the API tests: every scenario recorded and projected, and tokens for
every role."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from ledger_verify import note
from nats.aio.client import Client

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from contracts.levels import ClaimStatus
from incident_ledger.runtime import projector_config
from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db
from plumbing.settings import load
from projector.domain.models import Config
from projector.follow import runner
from tests import seeding
from tests.integration.test_api import http
from tests.integration.test_projector import record
from tests.support import MASTER

ROLES = ("publisher", "auditor", "clerk", "admin")
AGENT = Actor(id="agent-7", name="坐席 agent", role="agent")
SOURCE = "callcentre"


class Story:
    def __init__(
        self, client: httpx.AsyncClient, pool: asyncpg.Pool, keys: dict[str, str], nc: Client
    ):
        self.client, self.pool, self.keys, self.nc = client, pool, keys, nc

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    async def get(self, path: str, role: str = "auditor", **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.as_(role))

    async def append(self, *envelopes: Envelope) -> None:
        async with self.pool.acquire() as conn:
            await seeding.append(conn, self.nc, list(envelopes), origin="test")

    async def project(self) -> None:
        config = _config()
        async with self.pool.acquire() as conn:
            generation = await runner.prepare(conn, config)
            await runner.catch_up(conn, generation, config)

    async def recorded_at(self, incident: str) -> datetime:
        async with self.pool.acquire() as conn:
            at: datetime = await conn.fetchval(
                "SELECT max(recorded_at) FROM events WHERE incident_id = $1", incident
            )
        return at


@functools.cache
def _config() -> Config:
    """The projector's configuration, its policy packs parsed once: a test that projects
    while a request waits (up to 2 s) for the projection spends none of it parsing."""
    return projector_config(load({}))


async def story(
    pool: asyncpg.Pool, nc: Client, claim_key: note.Signer | None = None
) -> AsyncIterator[Story]:
    """``claim_key``: the key that signs a bundle's completeness claim (none: no bundles)."""
    async with pool.acquire() as conn:
        await record(conn, nc, ["fire", "elevator", "app_outage", "robbery", "illness"])
        keys = {r: (await _token(conn, r)) for r in ROLES}
    insured = "澎湖湾物业 Penghu Bay Property"
    app = create_app(
        pool, nc, db.head_revision(), insured=insured, claim_key=claim_key, master_key=MASTER
    )
    async with http(app) as client:
        told = Story(client, pool, keys, nc)
        await told.project()
        yield told


async def _token(conn: asyncpg.Connection, role: str) -> str:
    sources = (SOURCE,) if role == "publisher" else ()
    return (await tokens.create(conn, role=role, name=f"test {role}", sources=sources))[1]


def outage(incident: str, minutes_ago: float) -> Envelope:
    return builders.report_incident(
        kind=IncidentKind.SYSTEM_OUTAGE,
        title="排队系统宕机 queue system down",
        site=Site(name="营业厅 service hall", location_code="SH-01"),
        channel=ReportChannel.MONITORING,
        description="tickets cannot be issued",
        incident_id=incident,
        source=SOURCE,
        actor=AGENT,
        occurred_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
    )


def claim(incident: str, reserve: int, *, update: bool = False) -> Envelope:
    common: dict[str, Any] = dict(
        claim_number=f"CLM-{incident}",
        insurer="平安财险 Ping An",
        policy_number="POL-9",
        currency="CNY",
        reserve_minor=reserve,
        incident_id=incident,
        source=SOURCE,
        actor=AGENT,
    )
    if update:
        return builders.update_claim(status=ClaimStatus.OPEN, paid_minor=1000, **common)
    return builders.open_claim(personal=Personal(name="张三 Zhang San"), **common)
