"""Given the demo's data (its organisations and sites, then every scenario at its place),
the board holds only obligations of packs its incidents' organisations are subject to
(``subject``) or have adopted (``plan``), and no demo incident is unregistered."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from nats.aio.client import Client

from incident_ledger import demo
from incident_ledger.demo_profiles import ORGANISATIONS
from ledger_api.app import create_app
from plumbing import db
from projector.follow import runner
from tests import seeding
from tests.integration.api_story import _config
from tests.integration.test_api import bearer, http

pytestmark = pytest.mark.integration


def _allowed(organisation_id: str) -> set[str]:
    """The packs an organisation's profile brings: its regimes and its plans."""
    profile = ORGANISATIONS[organisation_id][1]
    return {str(s) for s in profile.subject_to} | {str(p) for p in profile.plans}


async def _board(pool: asyncpg.Pool, nc: Client) -> list[dict[str, object]]:
    async with http(create_app(pool, nc, db.head_revision())) as client:
        answer = await client.get(
            "/v1/deadlines", params={"limit": 500}, headers=await bearer(pool, "auditor")
        )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, object]] = answer.json()["items"]
    return items


async def test_the_demo_board_shows_only_true_obligations(pool: asyncpg.Pool, nc: Client) -> None:
    config = _config()
    async with pool.acquire() as conn:
        await seeding.append(conn, nc, demo.events(datetime.now(UTC)), origin="test")
        generation = await runner.prepare(conn, config)
        await runner.catch_up(conn, generation, config)
        places = {r["incident_id"]: r for r in await conn.fetch(
            "SELECT incident_id, organisation_id, site_issue FROM incident_status")}  # fmt: skip
    assert places
    assert all(p["organisation_id"] is not None and p["site_issue"] is None
               for p in places.values())  # fmt: skip
    packs = {p.id: p.subject or p.plan for p in config.packs}
    board = await _board(pool, nc)
    assert board
    for item in board:
        organisation = places[str(item["incident_id"])]["organisation_id"]
        assert packs[str(item["pack_id"])] in _allowed(organisation), item
