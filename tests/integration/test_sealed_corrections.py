"""A correction's new personal values are sealed at ingest as the corrected event's type
makes them (contracts.subjects.corrected_values). Given a claim recorded earlier, when a
correction of the claimant's name arrives, then the record holds a token, stored as the
claimant's, the corrected event's type looked up in the ledger; a correction in the same
batch as the event it corrects finds it there, a notification's recipient by its role, and
so does one in a batch sealed after the event's but before it is recorded; a
correction of an event the ledger does not hold is sealed as the incident's
``correction`` subject; a correction of fields that are not personal stays in the clear."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.enums import NotifyChannel, RecipientRole
from contracts.envelope import Actor, Envelope
from contracts.events import Personal
from contracts.publisher import Publisher
from contracts.topology import Topology
from ledger.store import sealing
from ledger.store.sealer import Sealer
from tests.integration.conftest import wait_for_count
from tests.support import MASTER

pytestmark = pytest.mark.integration


def _env(incident: str) -> dict[str, Any]:
    return {"incident_id": incident, "source": "corrections", "actor": Actor(id="desk-1")}


def _claim(incident: str) -> Envelope:
    return builders.open_claim(
        claim_number="CLM-1", insurer="Insurer C", policy_number="POL-C", currency="CNY",
        personal=Personal(name="CORoriginalZ"), **_env(incident),
    )  # fmt: skip


def _fix(target: uuid.UUID, corrected: dict[str, Any], incident: str) -> Envelope:
    return builders.correct_event(
        corrects_event_id=target, corrected=corrected, reason="misspelt", **_env(incident)
    )


async def _subject_of(conn: asyncpg.Connection, event_id: uuid.UUID) -> dict[str, str]:
    rows = await conn.fetch("SELECT path, subject FROM sealed_values WHERE event_id = $1", event_id)
    return {r["path"]: r["subject"] for r in rows}


async def test_a_recorded_claims_corrected_name_is_sealed_as_the_claimants(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    incident = f"COR-{uuid.uuid4().hex[:8]}"
    publisher = Publisher(nc, topology)
    claim = _claim(incident)
    await publisher.publish(claim)
    assert await wait_for_count(ingesting, 1) == 1
    # when corrections arrive: of the claimant's name, of an unknown event, of a figure
    fixes = [
        _fix(claim.event_id, {"personal": {"name": "CORfixedZ"}}, incident),
        _fix(uuid.uuid4(), {"personal": {"name": "CORstrayZ"}}, incident),
        _fix(claim.event_id, {"reserve_minor": 500}, incident),
    ]
    for fix in fixes:
        await publisher.publish(fix)
    assert await wait_for_count(ingesting, 4) == 4
    async with ingesting.acquire() as conn:
        records = {r["event_id"]: bytes(r["record"]) for r in await conn.fetch(
            "SELECT event_id, record FROM events")}  # fmt: skip
        # then no value is recorded in the clear, each sealed as its subject's
        assert not [v for v in ("CORfixedZ", "CORstrayZ") if v in str(records)]
        path = "payload.corrected.personal.name"
        assert await _subject_of(conn, fixes[0].event_id) == {path: f"{incident}:claimant"}
        assert await _subject_of(conn, fixes[1].event_id) == {path: f"{incident}:correction"}
    figure = json.loads(records[fixes[2].event_id])["event"]["payload"]["corrected"]
    assert figure == {"reserve_minor": 500}  # not personal: as published


async def test_a_correction_in_the_same_batch_finds_the_event_it_corrects(
    pool: asyncpg.Pool,
) -> None:
    incident = f"COR-{uuid.uuid4().hex[:8]}"
    claim = _claim(incident)
    told = builders.notify(
        recipient_role=RecipientRole.REGULATOR, channel=NotifyChannel.PHONE, **_env(incident)
    )
    fixes = [
        _fix(claim.event_id, {"personal": {"name": "CORsameZ"}}, incident),
        _fix(told.event_id, {"recipient_name": "CORtoldZ"}, incident),
    ]
    async with pool.acquire() as conn:
        sealed = await Sealer(conn, MASTER).seal([claim, told, *fixes])
        corrected = [json.loads(s.event)["payload"]["corrected"] for s in sealed[2:]]
        assert sealing.commitment_of(corrected[0]["personal"]["name"]) is not None
        assert sealing.commitment_of(corrected[1]["recipient_name"]) is not None
        assert await _subject_of(conn, fixes[0].event_id) == {
            "payload.corrected.personal.name": f"{incident}:claimant"
        }
        assert await _subject_of(conn, fixes[1].event_id) == {
            "payload.corrected.recipient_name": f"{incident}:recipient:regulator"
        }


async def test_a_correction_finds_its_event_in_a_batch_sealed_before_but_not_recorded(
    pool: asyncpg.Pool,
) -> None:
    incident = f"COR-{uuid.uuid4().hex[:8]}"
    claim = _claim(incident)
    fix = _fix(claim.event_id, {"personal": {"name": "CORaheadZ"}}, incident)
    async with pool.acquire() as conn:
        sealer = Sealer(conn, MASTER)
        await sealer.seal([claim])  # sealed, waiting for its turn: not recorded yet
        await sealer.seal([fix])
        assert await _subject_of(conn, fix.event_id) == {
            "payload.corrected.personal.name": f"{incident}:claimant"
        }
