"""Retention of fields within a subject (docs/erasure.md, ``contracts.retention``). Given a
reporter whose name and phone were recorded (the phone held 90 days, the reporter a
year), an admin reads until when the phone is held. When the retention run runs 91 days
on (rehearsed first: ``--dry-run`` erases nothing), then the phone reads "erased" to an
auditor while the name still opens, and the reporter's key stays; the erasure is recorded
in the privacy stream naming the field, with no personal data; the message that carried
the phone is deleted from NATS; the admin reads the field's erasure; every record is as it
was and ``ledger verify`` passes. When a correction sends the reporter's phone again, the
next run erases it too (and its message), and a run after that does nothing. The API's
database role (which erases) may do all of it."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner, Result
from nats.aio.client import Client

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger.cli import main
from ledger.store import field_erasures, subject_keys
from ledger_api.app import create_app
from plumbing import db
from plumbing.db import SERVICE_ROLES, acting_as
from tests.integration.api_story import _config
from tests.integration.conftest import wait_for_count
from tests.integration.test_api import bearer, http
from tests.integration.test_erased_messages import _kept
from tests.integration.test_erasure import KEY, _projected, _records
from tests.support import MASTER

pytestmark = pytest.mark.integration
TAG = uuid.uuid4().hex[:8]
INCIDENT = f"FR-{TAG}"
REPORTER = f"{INCIDENT}:reporter"
NAME, PHONE, PHONE_AGAIN = f"FRname{TAG}Z", f"FRphone{TAG}Z", f"FRphone2{TAG}Z"
ACTOR = Actor(id="agent-7", role="agent")


def _report() -> Envelope:
    return builders.report_incident(
        kind=IncidentKind.FIRE, title="kitchen fire",
        site=Site(name="canteen", location_code="C-1"), channel=ReportChannel.PHONE,
        personal=Personal(name=NAME, phone=PHONE), incident_id=INCIDENT, source="fields",
        actor=ACTOR,
    )  # fmt: skip


async def _published(pool: asyncpg.Pool, nc: Client, topology: Topology, e: Envelope) -> int:
    """``e`` published, recorded and projected; its message's stream sequence."""
    expected = await pool.fetchval("SELECT count(*) FROM events") + 1
    seq = (await Publisher(nc, topology).publish(e)).seq
    assert await wait_for_count(pool, expected) == expected
    await _projected(pool)
    return seq


async def test_a_reporters_phone_is_erased_when_its_time_is_up_and_the_name_kept(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, database_url: str, nats_url: str
) -> None:
    report = _report()
    sent = await _published(ingesting, nc, topology, report)
    app = create_app(ingesting, nc, db.head_revision(), topology, projector=_config(),
                     master_key=MASTER)  # fmt: skip
    admin, auditor = await bearer(ingesting, "admin"), await bearer(ingesting, "auditor")
    async with http(app) as client:
        held = (await client.get(f"/v1/subjects/{REPORTER}", headers=admin)).json()
    (phone,) = held["fields"]
    since = datetime.fromisoformat(phone["since"])
    assert (phone["policy"], phone["fields"], phone["erasure"]) == (
        "reporter-phone-90d", ["phone"], None)  # fmt: skip
    assert datetime.fromisoformat(phone["held_until"]) == since + timedelta(days=90)
    assert held["retention"]["policy"] == "reporter-1y"  # the rest: a year

    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
           "LEDGER_NATS_NAMESPACE": topology.namespace}  # fmt: skip
    later = (since + timedelta(days=91)).isoformat()
    rehearsed = await _run(env, "--dry-run", "--as-of", later)
    assert f"due {REPORTER} fields phone: retention:reporter-phone-90d" in rehearsed.output
    assert "0 subjects due" in rehearsed.output
    a_year_on = (since + timedelta(days=367)).isoformat()  # the reporter due: the phone with it
    whole = await _run(env, "--dry-run", "--as-of", a_year_on)
    assert f"due {REPORTER}: retention:reporter-1y" in whole.output
    assert "0 field erasures due" in whole.output
    assert await _opened(ingesting) == {"name": NAME, "phone": PHONE}  # rehearsed only
    records = await _records(ingesting)

    done = await _run(env, "--as-of", later)
    assert f"erased {REPORTER} fields phone: retention:reporter-phone-90d" in done.output
    assert "0 subjects erased" in done.output
    assert await _opened(ingesting) == {"name": NAME, "phone": None}
    async with http(app) as client:
        timeline = await client.get(f"/v1/incidents/{INCIDENT}/timeline", headers=auditor)
        held = (await client.get(f"/v1/subjects/{REPORTER}", headers=admin)).json()
    assert NAME in timeline.text
    assert PHONE not in timeline.text
    assert "erased" in timeline.text
    assert held["erasure"] is None  # the reporter's key is held
    (erasure,) = await _erasures(ingesting)
    assert erasure == {"subject": REPORTER, "fields": ["phone"], "erased_by": "ledger-retention",
                       "reason": "retention:reporter-phone-90d",
                       "erased_at": erasure["erased_at"]}  # fmt: skip
    assert held["fields"][0]["erasure"]["fields"] == ["phone"]
    assert held["fields"][0]["erasure"]["position"] == (await _records(ingesting))[-1][0]
    assert (await _records(ingesting))[: len(records)] == records  # not one record changed
    shown = await asyncio.to_thread(CliRunner().invoke, main, ["subjects", "show", REPORTER],
                                    env=env)  # fmt: skip
    assert json.loads(shown.output)["fields"] == held["fields"]
    assert sent not in await _kept(nc.jetstream(), topology)  # its message held the phone
    verified = await asyncio.to_thread(
        CliRunner().invoke, main, ["verify", "--key", str(KEY.verifier())], env=env
    )
    assert verified.exit_code == 0, verified.output

    fixed = builders.correct_event(
        corrects_event_id=report.event_id, corrected={"personal": {"phone": PHONE_AGAIN}},
        reason="phone misread", incident_id=INCIDENT, source="fields", actor=ACTOR,
    )  # fmt: skip
    again = await _published(ingesting, nc, topology, fixed)
    assert PHONE_AGAIN in (await _opened(ingesting)).values()  # stored: the ingest seals it
    swept = await _run(env, "--as-of", later)
    assert f"erased {REPORTER}: values recorded at its erased fields since" in swept.output
    assert PHONE_AGAIN not in (await _opened(ingesting)).values()
    assert NAME in (await _opened(ingesting)).values()
    assert again not in await _kept(nc.jetstream(), topology)
    quiet = await _run(env, "--as-of", later)
    assert "0 field erasures, 0 failed" in quiet.output
    assert "values recorded at its erased fields" not in quiet.output
    assert len(await _erasures(ingesting)) == 1  # done once


async def _run(env: dict[str, str], *args: str) -> Result:
    command = ["retention", "run", *args]
    done = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert done.exit_code == 0, done.output
    return done


async def _opened(pool: asyncpg.Pool) -> dict[str, str | None]:
    """The reporter's values as an auditor's read opens them, by field (None: erased)."""
    rows = await pool.fetch(
        "SELECT path, commitment FROM sealed_values WHERE subject = $1 ORDER BY event_id, path",
        REPORTER,
    )
    opened = await subject_keys.open_values(pool, MASTER, [r["commitment"] for r in rows])
    return {r["path"].rpartition(".")[2]: opened.get(bytes(r["commitment"])) for r in rows}


async def _erasures(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    """Each erasure the privacy stream recorded of the reporter, as its payload."""
    rows = await pool.fetch("SELECT record FROM events WHERE incident_id = '_privacy'")
    payloads = [json.loads(r["record"])["event"]["payload"] for r in rows]
    return [p for p in payloads if p["subject"] == REPORTER]


async def test_the_apis_role_erases_fields_once_and_sweeps_a_value_stored_after(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """Given a claimant's name, phone, address and a corrected phone sealed, when the
    API's database role erases the claimant's contact fields, then those ciphertexts go and
    the name's stays; erasing them again does nothing; a phone stored after is erased by
    the sweep, and a sweep again finds nothing."""
    subject = f"FA-{uuid.uuid4().hex[:6]}:claimant"
    await pool.execute(
        "INSERT INTO subject_keys (subject, wrapped, master_id) VALUES ($1, '\\x00', 'm')",
        subject,
    )
    paths = ["payload.personal.name", "payload.personal.phone", "payload.personal.address",
             "payload.corrected.personal.phone"]  # fmt: skip
    await _sealed(pool, subject, paths)
    conn = await asyncpg.connect(acting_as(database_url, SERVICE_ROLES["api"]))
    try:
        done = await field_erasures.erase(conn, subject, ["phone", "address"], "t", "why")
        assert done is not None
        assert done.fields == ["address", "phone"]
        assert await _held_paths(pool, subject) == ["payload.personal.name"]
        assert await field_erasures.erase(conn, subject, ["phone"], "t", "again") is None
        assert await field_erasures.left(conn, subject, ["phone", "name"]) == ["name"]
        await _sealed(pool, subject, ["payload.personal.phone"])  # sent again, stored
        assert subject in await field_erasures.sweep(conn)
        assert await _held_paths(pool, subject) == ["payload.personal.name"]
        assert subject not in await field_erasures.sweep(conn)
        assert (await field_erasures.pending(conn))[subject] == ["address", "phone"]
    finally:
        await conn.close()


async def _sealed(pool: asyncpg.Pool, subject: str, paths: list[str]) -> None:
    for path in paths:
        await pool.execute(
            "INSERT INTO sealed_values (commitment, subject, incident_id, event_id, path,"
            " ciphertext) VALUES ($1, $2, 'FA', $3, $4, '\\x00')",
            uuid.uuid4().bytes, subject, uuid.uuid4(), path,
        )  # fmt: skip


async def _held_paths(pool: asyncpg.Pool, subject: str) -> list[str]:
    rows = await pool.fetch(
        "SELECT path FROM sealed_values WHERE subject = $1 AND ciphertext IS NOT NULL"
        " ORDER BY path",
        subject,
    )
    return [r["path"] for r in rows]
