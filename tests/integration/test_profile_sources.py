"""Publishers bound to organisations, through the running system: an organisation whose
profile names the systems that speak for it is given only the incidents they report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import msgspec
import pytest
from nats.aio.client import Client

from incident_ledger.runtime import projector_config
from plumbing.settings import load
from tests.integration.profile_story import Ledger, incident, ledger, reported

pytestmark = pytest.mark.integration

CONFIG = projector_config(load({}))


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Ledger]:
    async for value in ledger(pool, nc, CONFIG):
        yield value


async def test_an_incident_from_a_system_the_organisation_does_not_name_is_foreign(
    told: Ledger,
) -> None:
    # Given a property company whose incidents only its dispatch system `cad` reports
    await told.register("estates-cq", sites=("CQ-T1",), country="CN", timezone="Asia/Shanghai",
                        plans=("property",), sources=("cad",))  # fmt: skip
    # when `cad` reports a fire at its tower, and the `desk` system reports another there
    then = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    own, foreign = incident("CQ"), incident("CQ")
    await told.record(
        msgspec.structs.replace(reported(own, then, "CQ-T1"), source="cad"),
        reported(foreign, then, "CQ-T1"),  # source "desk"
    )
    await told.fold(CONFIG)
    # then the company's incident is placed at its site and holds the property plan's
    # obligations
    placed = await told.status(own)
    assert (placed["organisation_id"], placed["site_id"], placed["site_issue"]) == (
        "estates-cq", "CQ-T1", None,
    )  # fmt: skip
    assert {o["pack_id"] for o in (await told.deadlines(own)).values()} == {"property"}
    # and the other is recorded but not placed there: flagged, with no obligation
    flagged = await told.status(foreign)
    assert flagged["site_issue"] == "foreign_source"
    assert (flagged["organisation_id"], flagged["site_id"]) == (None, None)
    assert await told.deadlines(foreign) == {}
