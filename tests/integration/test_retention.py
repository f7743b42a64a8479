"""Retention (docs/erasure.md, ``contracts.retention``). Given the incident of
``test_erasure`` recorded (a reporter, a casualty, a claimant whose claim is open), an
admin reads until when each subject is held: the reporter a year after their last value,
the claimant for as long as the claim is open. A retention run a year on (rehearsed first:
``--dry-run`` erases nothing) erases the reporter only, recorded with the reason
``retention:reporter-1y``. When the claim closes, the claimant is held seven years from
the close; should the close be corrected to open, no clock runs again; once the status is
corrected to denied, a run seven years on erases the claimant and the casualty, and a run
again finds nothing to do."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from click.testing import CliRunner, Result
from nats.aio.client import Client

from contracts import builders
from contracts.envelope import Actor
from contracts.levels import ClaimStatus
from contracts.publisher import Publisher
from contracts.retention import YEAR
from contracts.topology import Topology
from incident_ledger.cli import main
from ledger.store import retention
from ledger_api.app import create_app
from plumbing import db
from tests.integration.api_story import _config
from tests.integration.conftest import wait_for_count
from tests.integration.test_api import bearer, http
from tests.integration.test_erasure import (
    CLAIMANT,
    INCIDENT,
    _projected,
    _recorded,
    _values_of_this_test,
    pool_namespace,
)
from tests.support import MASTER

pytestmark = pytest.mark.integration
REPORTER, CASUALTY = f"{INCIDENT}:reporter", f"{INCIDENT}:casualty"
__all__ = ["_values_of_this_test"]


async def test_retention_erases_each_subject_when_its_time_is_up(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, database_url: str, nats_url: str
) -> None:
    pool_namespace[0] = topology.namespace
    await _recorded(ingesting, nc)
    app = create_app(ingesting, nc, db.head_revision(), topology, projector=_config(),
                     master_key=MASTER)  # fmt: skip
    admin = await bearer(ingesting, "admin")
    async with http(app) as client:
        reporter = (await client.get(f"/v1/subjects/{REPORTER}", headers=admin)).json()
        claimant = (await client.get(f"/v1/subjects/{CLAIMANT}", headers=admin)).json()
    recorded = datetime.fromisoformat(reporter["retention"]["since"])
    assert reporter["retention"]["policy"] == "reporter-1y"
    assert datetime.fromisoformat(reporter["retention"]["held_until"]) == recorded + YEAR
    assert claimant["retention"]["policy"] == "claimant-7y"
    assert claimant["retention"]["held_until"] is None  # the claim is open

    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
           "LEDGER_NATS_NAMESPACE": topology.namespace}  # fmt: skip
    a_year_on = (recorded + YEAR + timedelta(days=1)).isoformat()
    rehearsed = await _run(env, "--dry-run", "--as-of", a_year_on)
    assert f"due {REPORTER}: retention:reporter-1y" in rehearsed.output
    assert "1 subjects due" in rehearsed.output
    erased = await _run(env, "--as-of", a_year_on)
    assert f"erased {REPORTER}: retention:reporter-1y" in erased.output
    assert await _erasures(ingesting) == {REPORTER: "retention:reporter-1y"}

    closed, close = await _claim(ingesting, nc, topology, ClaimStatus.CLOSED)
    async with http(app) as client:
        claimant = (await client.get(f"/v1/subjects/{CLAIMANT}", headers=admin)).json()
    assert datetime.fromisoformat(claimant["retention"]["held_until"]) == closed + 7 * YEAR
    later = (closed + 7 * YEAR + timedelta(days=1)).isoformat()

    await _claim(ingesting, nc, topology, ClaimStatus.OPEN, corrects=close)  # closed in error
    async with http(app) as client:
        claimant = (await client.get(f"/v1/subjects/{CLAIMANT}", headers=admin)).json()
    assert claimant["retention"]["held_until"] is None  # open again: no clock runs
    assert f"due {CLAIMANT}" not in (await _run(env, "--dry-run", "--as-of", later)).output
    closed, _ = await _claim(ingesting, nc, topology, ClaimStatus.DENIED, corrects=close)
    later = (closed + 7 * YEAR + timedelta(days=1)).isoformat()
    assert "2 subjects erased" in (await _run(env, "--as-of", later)).output
    assert await _erasures(ingesting) == {
        REPORTER: "retention:reporter-1y",
        CLAIMANT: "retention:claimant-7y",
        CASUALTY: "retention:casualty-7y",
    }
    assert "0 subjects erased" in (await _run(env, "--as-of", later)).output


async def _run(env: dict[str, str], *args: str) -> Result:
    command = ["retention", "run", *args]
    done = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert done.exit_code == 0, done.output
    return done


async def _claim(
    pool: asyncpg.Pool,
    nc: Client,
    topology: Topology,
    status: ClaimStatus,
    corrects: UUID | None = None,
) -> tuple[datetime, UUID]:
    """The claim updated to ``status`` (or the update ``corrects`` corrected to it), and
    projected; when the ledger recorded that, and the event's id."""
    envelope = (
        builders.correct_event(
            corrects_event_id=corrects, corrected={"status": status.value},
            reason="status misread", incident_id=INCIDENT, source="erasure",
            actor=Actor(id="agent-7", role="agent"),
        ) if corrects else builders.update_claim(
            claim_number="CLM-E1", insurer="Insurer E", policy_number="POL-E",
            status=status, currency="CNY", incident_id=INCIDENT, source="erasure",
            actor=Actor(id="agent-7", role="agent"),
        )
    )  # fmt: skip
    expected = await pool.fetchval("SELECT count(*) FROM events") + 1
    await Publisher(nc, topology).publish(envelope)
    assert await wait_for_count(pool, expected) == expected
    await _projected(pool)
    at: datetime = await pool.fetchval(
        "SELECT recorded_at FROM events WHERE event_id = $1", envelope.event_id
    )
    return at.astimezone(UTC), envelope.event_id


async def _erasures(pool: asyncpg.Pool) -> dict[str, Any]:
    """Each recorded erasure's subject and reason."""
    rows = await pool.fetch("SELECT record FROM events WHERE incident_id = '_privacy'")
    payloads = [json.loads(r["record"])["event"]["payload"] for r in rows]
    return {p["subject"]: p["reason"] for p in payloads}


async def test_a_subject_only_rejected_events_named_is_held_from_its_key(
    pool: asyncpg.Pool,
) -> None:
    """Given a reporter whose values were sealed for an event the ledger then rejected (no
    record names them), when its retention is read, then its clock runs from when its key
    was made: it is erased a year on, not held forever."""
    subject = f"RJ-{uuid.uuid4().hex[:6]}:reporter"
    made = await _rejected_only(pool, subject)
    async with pool.acquire() as conn:
        held = await retention.of(conn, subject)
        assert held is not None
        assert (held.since, held.held_until) == (made, made + YEAR)
        assert subject in dict(await retention.due(conn, made + YEAR))


async def test_one_subject_failing_leaves_the_others_erased_and_the_run_failed(
    ingesting: asyncpg.Pool, topology: Topology, database_url: str, nats_url: str
) -> None:
    """Given two reporters due, one of whose erasure the sequencer refuses (its id longer
    than an erasure record allows), when the retention run runs, then the other is erased
    all the same, and the run names the one it could not erase and exits 1."""
    refused, fine = "R" * 300 + ":reporter", f"RF-{uuid.uuid4().hex[:6]}:reporter"
    made = max([await _rejected_only(ingesting, s) for s in (refused, fine)])
    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
           "LEDGER_NATS_NAMESPACE": topology.namespace}  # fmt: skip
    command = ["retention", "run", "--as-of", (made + YEAR + timedelta(days=1)).isoformat()]
    done = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert done.exit_code == 1, done.output
    assert f"erased {fine}: retention:reporter-1y" in done.output
    assert f"not erased {refused}" in done.output
    assert "1 subjects erased, 1 failed" in done.output
    assert await _erasures(ingesting) == {fine: "retention:reporter-1y"}


async def test_a_sealed_value_naming_no_subjects_key_fails_the_run(
    pool: asyncpg.Pool, topology: Topology, database_url: str, nats_url: str
) -> None:
    """Given a sealed value whose subject has no key row (written past the sealing
    statement: nothing in the ledger does), when the retention run runs, then it says how
    many no erasure reaches, and exits 1."""
    await pool.execute(
        "INSERT INTO sealed_values (commitment, subject, incident_id, event_id, path,"
        " ciphertext) VALUES ($1, 'UB:reporter', 'UB', $2, 'payload.personal.name', '\\x00')",
        uuid.uuid4().bytes, uuid.uuid4(),
    )  # fmt: skip
    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
           "LEDGER_NATS_NAMESPACE": topology.namespace}  # fmt: skip
    done = await asyncio.to_thread(CliRunner().invoke, main, ["retention", "run"], env=env)
    assert done.exit_code == 1, done.output
    assert "1 sealed values name no subject's key" in done.output


async def _rejected_only(pool: asyncpg.Pool, subject: str) -> datetime:
    """A subject's key and a value sealed for an event the ledger rejected; when the key
    was made."""
    made: datetime = await pool.fetchval(
        "INSERT INTO subject_keys (subject, wrapped, master_id) VALUES ($1, '\\x00', 'm')"
        " RETURNING created_at",
        subject,
    )
    await pool.execute(
        "INSERT INTO sealed_values (commitment, subject, incident_id, event_id, path,"
        " ciphertext) VALUES ($1, $2, 'RJ', $3, 'payload.personal.name', '\\x00')",
        uuid.uuid4().bytes, subject, uuid.uuid4(),
    )  # fmt: skip
    return made
