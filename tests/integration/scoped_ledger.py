"""A ledger holding two organisations, A and B, each with a site and incidents (a fire
at its site; a robbery with an insured loss and a claim), and one incident naming no
registered site: recorded through the writer, projected, served by an app with a claim
key, and tokens scoped to A."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from ledger_verify import note
from nats.aio.client import Client

from contracts import builders
from contracts.envelope import Actor, Envelope
from contracts.events.profile import OrganisationProfile, Plan, Subjection
from incident_ledger.demo_profiles import placed
from incident_ledger.simulation import plan
from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db
from projector.follow import runner
from tests import seeding
from tests.integration.api_story import _config
from tests.integration.test_api import http

KEY = note.generate("incident-ledger")
REGISTRAR = Actor(id="registrar")
PROFILE = OrganisationProfile(
    country="CN", timezone="Asia/Shanghai", subject_to=(Subjection.INSURER,),
    plans=(Plan.PROPERTY,),
)  # fmt: skip
# (scenario, place): each organisation's incidents, and one placed nowhere.
INCIDENTS = {
    "A": [("fire", "a-estate"), ("robbery", "org-a")],
    "B": [("fire", "b-estate"), ("robbery", "b-estate")],
    "none": [("illness", "nowhere")],
}


@dataclass
class Scoped:
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    incidents: dict[str, list[str]] = field(default_factory=dict)  # by owner: A, B, none
    events: dict[str, list[str]] = field(default_factory=dict)  # event ids by owner

    async def token(self, role: str, org: str | None, site: str | None = None) -> dict[str, str]:
        scope = tokens.check_scope(org, site)
        sources = ("desk",) if role == "publisher" else ()
        async with self.pool.acquire() as conn:
            _, secret = await tokens.create(
                conn, role=role, name=f"{role} of {org}", sources=sources, scope=scope
            )
        return {"Authorization": f"Bearer {secret}"}

    async def get(self, path: str, who: dict[str, str], **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=who)


def _profiles() -> list[Envelope]:
    made = []
    for org, site in (("org-a", "a-estate"), ("org-b", "b-estate")):
        made.append(
            builders.register_organisation(
                organisation_id=org, name=org, profile=PROFILE, source="desk", actor=REGISTRAR
            )
        )
        made.append(
            builders.register_site(
                organisation_id=org, site_id=site, name=site, source="desk", actor=REGISTRAR
            )
        )
    return made  # fmt: skip


def _incidents(ledger: Scoped) -> list[Envelope]:
    now, found, seed = datetime.now(UTC), [], 0
    for owner, scenarios in INCIDENTS.items():
        for name, place in scenarios:
            seed += 1
            events = [placed(t.envelope, place)
                      for t in plan(name, now=now, speed=math.inf, seed=seed)]  # fmt: skip
            ledger.incidents.setdefault(owner, []).append(events[0].incident_id)
            ledger.events.setdefault(owner, []).extend(str(e.event_id) for e in events)
            found += events
    return sorted(found, key=lambda e: e.occurred_at)


async def scoped_ledger(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Scoped]:
    app = create_app(pool, nc, db.head_revision(), claim_key=KEY)
    async with http(app) as client:
        ledger = Scoped(client, pool)
        async with pool.acquire() as conn:
            await seeding.append(conn, nc, _profiles(), origin="test")
            await seeding.append(conn, nc, _incidents(ledger), origin="test")
            generation = await runner.prepare(conn, _config())
            await runner.catch_up(conn, generation, _config())
        yield ledger
