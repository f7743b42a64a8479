"""Right to erasure by crypto-shredding (docs/erasure.md). Given an incident with a reporter, a
casualty and a claimant, each with distinctive personal values, published over NATS,
recorded by the ingest and projected: no table holds any of them in the clear, and an
auditor reads them (the API keeps them opened). When an admin erases the claimant, then no
table, ``pg_dump`` output or API answer (every GET, in every format, as an auditor; the
same API process at once) holds any of the claimant's values,
and "erased" stands where they were, a timeline as of before the erasure too; the reporter's
and the casualty's are read as before; the records are unchanged, ``ledger verify`` exits 0
and the incident's bundle verifies; a correction of the claimant's name is the claimant's,
read by an auditor before and gone with the rest after; the erasure itself is recorded, in
the privacy stream, with no personal data. Erasing again answers 409 with the first erasure,
an unknown subject 404, no reason 422; a publisher's own ``subject.erased`` is refused;
``ledger erase`` erases another subject, and refuses to twice. Before the erasure, the
subject's export gives each value with its salt, which proves the value against the record's
token. A new master key rewraps every subject's key: every value still opens, no record
changes."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pgserver
import pytest
from click.testing import CliRunner
from ledger_verify import bundle as offline
from ledger_verify import note
from ledger_verify.report import VALID
from litestar import Litestar
from msgspec.structs import astuple
from nats.aio.client import Client

from contracts import builders, canonical
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from contracts.levels import Basis, CasualtySeverity, LossCategory
from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger.cli import main
from ledger.audit.signer import Policy, Signer
from ledger.store import sealing, subject_keys
from ledger.store.sealing import MasterKey
from ledger.store.writer import Writer
from ledger_api.app import create_app
from plumbing import db
from projector.follow import runner
from tests.integration.api_story import _config
from tests.integration.conftest import wait_for_count
from tests.integration.test_api import bearer, http
from tests.integration.test_checkpoints import Published
from tests.integration.test_clerk_privacy import _choices, reads, texts
from tests.integration.test_opened_cache import until_listening
from tests.support import MASTER

pytestmark = pytest.mark.integration
INCIDENT = f"ERA-{uuid.uuid4().hex[:8]}"
CLAIMANT = f"{INCIDENT}:claimant"
KEY = note.generate("incident-ledger")


TAG = [""]  # each test's values its own: the servers' files are shared by a session's tests


@pytest.fixture(autouse=True)
def _values_of_this_test() -> None:
    TAG[0] = uuid.uuid4().hex[:8]


def _person(role: str) -> Personal:
    t = f"{role}{TAG[0]}Z"
    return Personal(
        name=f"ERAname{t}", phone=f"ERAphone{t}", id_number=f"ERAid{t}",
        address=f"ERAaddress{t}", employer=f"ERAemployer{t}", note=f"ERAnote{t}",
    )  # fmt: skip


def values_of(role: str) -> list[str]:
    fixed = [_fixed_name()] if role == "claimant" else []
    return [str(v) for v in astuple(_person(role))] + fixed


def _fixed_name() -> str:
    """The claimant's name as a correction gives it."""
    return f"ERAfixed{TAG[0]}Z"


def _events() -> list[Envelope]:
    actor = Actor(id="agent-7", name="ERAactorZ", role="agent")
    env: dict[str, Any] = {"incident_id": INCIDENT, "source": "erasure", "actor": actor}
    return [
        builders.report_incident(
            kind=IncidentKind.FIRE, title="kitchen fire",
            site=Site(name="canteen", location_code="C-1"), channel=ReportChannel.PHONE,
            personal=_person("reporter"), **env,
        ),
        builders.record_casualty(count=1, severity=CasualtySeverity.MINOR,
                                 personal=_person("casualty"), **env),
        builders.record_loss(
            loss_id="L1", category=LossCategory.PROPERTY, amount_minor=90_000, currency="CNY",
            basis=Basis.ESTIMATE, insured=True, insurer="Insurer E", policy_ref="POL-E", **env,
        ),
        opened := builders.open_claim(claim_number="CLM-E1", insurer="Insurer E",
                                      policy_number="POL-E", currency="CNY",
                                      reserve_minor=90_000, personal=_person("claimant"),
                                      **env),
        builders.correct_event(
            corrects_event_id=opened.event_id, reason="name misspelt",
            corrected={"personal": {"name": _fixed_name()}}, **env,
        ),
    ]  # fmt: skip


async def _recorded(pool: asyncpg.Pool, nc: Client, expected: int = 0) -> None:
    publisher = Publisher(nc, Topology(namespace=pool_namespace[0]))
    for envelope in _events():
        await publisher.publish(envelope)
    expected = expected or len(_events())
    assert await wait_for_count(pool, expected) == expected
    await _projected(pool)


async def _projected(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        generation = await runner.prepare(conn, _config())
        await runner.catch_up(conn, generation, _config())


pool_namespace: list[str] = [""]


async def every_table_text(pool: asyncpg.Pool) -> str:
    """The text of every row of every table (read models included)."""
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        parts = [
            await conn.fetchval(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM \"{name}\" t")
            for (name,) in tables
        ]
    return "\n".join(parts)


def dumped(database_url: str) -> str:
    """``pg_dump``'s output, by the embedded server's own (the system's may be older)."""
    tool = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"
    done = subprocess.run([str(tool), "--data-only", database_url], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


async def walked(app: Litestar, client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    """Every GET of the API, in every format, as ``headers``' holder reads it."""
    seen: list[str] = []
    for template, handler in reads(app):
        path = re.sub(r"\{incident_id:\w+\}", INCIDENT, template)
        path = re.sub(r"\{subject:\w+\}", CLAIMANT, path)
        for params in _choices(handler, app):
            response = await client.get(path, params=params, headers=headers)
            assert response.status_code < 500, (path, params, response.text)
            seen.extend(texts(response))
    return "\n".join(seen)


async def test_erasing_the_claimant_leaves_no_trace_and_every_proof_valid(
    ingesting: asyncpg.Pool,
    nc: Client,
    topology: Topology,
    database_url: str,
    nats_url: str,
    tmp_path: Path,
) -> None:
    pool_namespace[0] = topology.namespace
    await _recorded(ingesting, nc)
    everyone = [v for role in ("reporter", "casualty", "claimant") for v in values_of(role)]
    stored = await every_table_text(ingesting)
    assert not [v for v in everyone if v in stored], "a value stored in the clear"
    app = create_app(ingesting, nc, db.head_revision(), topology, projector=_config(),
                     claim_key=KEY, master_key=MASTER, listen_url=database_url)  # fmt: skip
    auditor, admin = await bearer(ingesting, "auditor"), await bearer(ingesting, "admin")
    async with app.lifespan(), http(app) as client:
        await until_listening(app.state.opened_cache)
        before = await walked(app, client, auditor)
        assert set(everyone) <= {v for v in everyone if v in before}  # an auditor reads them
        assert len(app.state.opened_cache) > 0  # and the API keeps them
        export = (await client.get(f"/v1/subjects/{CLAIMANT}/export", headers=admin)).json()
        name = _person("claimant").name
        proof = next(v for v in export["values"] if v["value"] == name)
        assert sealing.matches(proof["token"], str(name), proof["salt"])
        assert not sealing.matches(proof["token"], "someone else", proof["salt"])
        records_before = await _records(ingesting)
        cut = datetime.now(UTC).isoformat()

        refused = await client.post(f"/v1/subjects/{CLAIMANT}/erasure", json={}, headers=admin)
        assert refused.status_code == 422, refused.text
        assert (await client.post(f"/v1/subjects/{CLAIMANT}/erasure", json={"reason": "x"},
                                  headers=auditor)).status_code == 403  # fmt: skip
        unknown = await client.post(
            f"/v1/subjects/{INCIDENT}:nobody/erasure", json={"reason": "x"}, headers=admin
        )
        assert unknown.status_code == 404, unknown.text
        erased = await client.post(
            f"/v1/subjects/{CLAIMANT}/erasure", json={"reason": "GDPR Art. 17 request R-1"},
            headers=admin,
        )  # fmt: skip
        assert erased.status_code == 201, erased.text
        position = erased.json()["position"]
        again = await client.post(
            f"/v1/subjects/{CLAIMANT}/erasure", json={"reason": "again"}, headers=admin
        )
        assert again.status_code == 409, again.text
        assert f"already erased at {erased.json()['erased_at']}" in again.text
        assert f"(position {position})" in again.text
        forged = await client.post(
            "/v1/events", json=_forged(), headers=await bearer(ingesting, "publisher", ("ledger",))
        )
        assert forged.status_code == 403, forged.text  # only the ledger records an erasure

        await _projected(ingesting)
        after = await walked(app, client, auditor)
        after += await walked(app, client, admin)
        timeline = await client.get(
            f"/v1/incidents/{INCIDENT}/timeline", params={"as_of": cut}, headers=auditor
        )
        assert timeline.status_code == 200, timeline.text
        assert "erased" in timeline.text
        bundle = await _bundle(ingesting, client, auditor, tmp_path)
    gone, kept = values_of("claimant"), values_of("reporter") + values_of("casualty")
    assert not [v for v in gone if v in after], "an API answer holds an erased value"
    assert set(kept) <= {v for v in kept if v in after}, "another subject's value was lost"
    assert "erased" in after
    tables = await every_table_text(ingesting)
    assert not [v for v in gone if v in tables]
    assert not [v for v in gone if v in dumped(database_url)]
    recorded = await _records(ingesting)
    assert recorded[: len(records_before)] == records_before  # not one record changed
    (erasure,) = [json.loads(r) for _, r, _ in recorded[len(records_before) :]]
    assert erasure["position"] == position
    assert erasure["event"]["incident_id"] == "_privacy"
    assert erasure["event"]["payload"]["subject"] == CLAIMANT
    assert erasure["event"]["payload"]["reason"] == "GDPR Art. 17 request R-1"
    report = offline.verify(bundle, [KEY.verifier()], None)
    assert report.exit_code == VALID, report.render_text()
    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url}
    command = ["verify", "--key", str(KEY.verifier())]
    verified = await asyncio.to_thread(CliRunner().invoke, main, command, env=env)
    assert verified.exit_code == 0, verified.output
    env["LEDGER_NATS_NAMESPACE"] = topology.namespace
    casualty = ["erase", "--subject", f"{INCIDENT}:casualty", "--reason", "R-2"]
    by_command = await asyncio.to_thread(CliRunner().invoke, main, casualty, env=env)
    assert by_command.exit_code == 0, by_command.output
    assert "erased" in by_command.output
    twice = await asyncio.to_thread(CliRunner().invoke, main, casualty, env=env)
    assert twice.exit_code == 1
    assert "already erased" in twice.output


def _forged() -> dict[str, Any]:
    """A publisher's own ``subject.erased``: refused, whatever its source."""
    forged = builders.record_erasure(
        subject=CLAIMANT, erased_at=datetime.now(UTC), erased_by="me", reason="forged",
        incident_id="_privacy", source="ledger", actor=Actor(id="me"),
    )  # fmt: skip
    data: dict[str, Any] = canonical.to_builtins(forged)
    return data


async def _records(pool: asyncpg.Pool) -> list[tuple[int, bytes, bytes]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT position, record, hash FROM events ORDER BY position")
    return [(r["position"], r["record"], r["hash"]) for r in rows]


async def _bundle(
    pool: asyncpg.Pool, client: httpx.AsyncClient, auditor: dict[str, str], tmp: Path
) -> Path:
    """The incident's bundle under a checkpoint signed now, after the erasure."""
    signer = Signer(KEY, "incident-ledger", tmp / "state", tmp / "out", Policy())
    async with pool.acquire() as conn:
        assert await signer.tick(conn, Published(), now=1000.0) is not None
    answer = await client.get(f"/v1/incidents/{INCIDENT}/bundle", headers=auditor)
    assert answer.status_code == 200, answer.text
    path = tmp / "bundle.zip"
    path.write_bytes(answer.content)
    return path


async def test_rotating_the_master_key_keeps_every_value_readable_and_every_record(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, tmp_path: Path
) -> None:
    pool_namespace[0] = topology.namespace
    await _recorded(ingesting, nc)
    records = await _records(ingesting)
    new = MasterKey.parse(MasterKey.generate())
    async with ingesting.acquire() as conn:
        tokens = [r["commitment"] for r in await conn.fetch("SELECT commitment FROM sealed_values")]
        rewrapped = await subject_keys.rotate(conn, MASTER, new)
        opened = await subject_keys.open_values(conn, new, tokens)
        with pytest.raises(subject_keys.WrongMasterKey, match="LEDGER_PRIVACY_KEY_FILE"):
            await subject_keys.open_values(conn, MASTER, tokens)
    assert rewrapped == 4  # the actor, the reporter, the casualty and the claimant
    everyone = {v for role in ("reporter", "casualty", "claimant") for v in values_of(role)}
    assert everyone <= set(opened.values())
    assert await _records(ingesting) == records


async def test_the_plan_lists_what_was_recorded_in_the_clear_before_sealing(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, database_url: str, nats_url: str
) -> None:
    # Given a record from before sealing (appended by a writer that does not seal), then
    # the same incident's events recorded by the ingest, which seals
    legacy = builders.add_note(text="from the old ledger", incident_id=INCIDENT, source="old",
                               actor=Actor(id="clerk-1", name="ERAoldclerkZ"))  # fmt: skip
    async with ingesting.acquire() as conn:
        await Writer(conn, "old").append([legacy])
    pool_namespace[0] = topology.namespace
    await _recorded(ingesting, nc, expected=1 + len(_events()))
    # When an operator asks for the plan, then only the old record is listed, by its
    # position, field and subject, with no value
    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url}
    plan = await asyncio.to_thread(CliRunner().invoke, main, ["erase", "--plan"], env=env)
    assert plan.exit_code == 0, plan.output
    (line,) = [json.loads(x) for x in plan.stdout.splitlines() if x.startswith("{")]
    assert line == {"position": 1, "incident_id": INCIDENT, "fields": ["actor.name"],
                    "subjects": ["actor:clerk-1"]}  # fmt: skip
    assert "ERAoldclerkZ" not in plan.output
    assert "1 records hold personal values of 1 subjects in the clear" in plan.output
