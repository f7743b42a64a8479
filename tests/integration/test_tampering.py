"""Given a ledger of 600 events and a checkpoint signed over them, when a database
superuser changes history in any of the known ways (triggers off), then ``ledger verify``
names the damage; untouched, it finds nothing."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from ledger_verify import export as offline
from ledger_verify import note
from ledger_verify.report import TAMPERED, UNTRUSTED, VALID
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger.commands.audit_run import export_full
from ledger.audit import live_verify
from ledger.audit.signer import Policy, Signer
from ledger_api.app import create_app
from plumbing import db
from tests.integration import tampering
from tests.integration.test_api import bearer, http
from tests.integration.test_checkpoints import Published
from tests.support import note as note_event

pytestmark = pytest.mark.integration
KEY = note.generate("incident-ledger")  # the ingest's origin: records and checkpoints agree
EVENTS = 600


@pytest.fixture
async def ledger(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, tmp_path: Path
) -> asyncpg.Pool:
    async with http(create_app(ingesting, nc, db.head_revision(), topology)) as client:
        client.headers.update(await bearer(ingesting, "publisher"))
        body = [note_event(f"TM-{i % 5}", f"step {i}") for i in range(EVENTS)]
        answer = await client.post("/v1/events", json=body)
        assert answer.status_code == 201, answer.text
    async with ingesting.acquire() as conn:
        signer = Signer(KEY, "incident-ledger", tmp_path / "state", tmp_path / "out", Policy())
        await signer.tick(conn, Published(), now=1000.0)
    return ingesting


async def verified(pool: asyncpg.Pool) -> live_verify.Report:
    async with pool.acquire() as conn:
        return await live_verify.verify(conn, [KEY.verifier()], lambda done, total: None)


async def verified_in_stretches(database_url: str) -> live_verify.Report:
    """``ledger verify`` as it checks a large log: stretches (of 64 records here) in two
    worker processes, stitched together; a log with gaps is still checked in one piece."""
    conn = await asyncpg.connect(database_url)
    try:
        return await live_verify.verify(
            conn, [KEY.verifier()], lambda done, total: None,
            url=database_url, workers=2, parallel_from=0, height=6,
        )  # fmt: skip
    finally:
        await conn.close()


async def test_an_untouched_ledger_verifies(ledger: asyncpg.Pool, database_url: str) -> None:
    for report in (await verified(ledger), await verified_in_stretches(database_url)):
        assert report.exit_code == VALID, report.render_text()
        assert (report.events, report.size) == (EVENTS, EVENTS)


async def exported(database_url: str, tmp_path: Path) -> live_verify.Report:
    """``ledger export --full`` of the database, checked by ``ledger-verify``."""
    await export_full(database_url, tmp_path / "export", lambda done, total: None)
    return offline.verify(tmp_path / "export", [KEY.verifier()])


async def test_an_untouched_export_verifies(
    ledger: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    report = await exported(database_url, tmp_path)
    assert report.exit_code == VALID, report.render_text()
    assert report.events == EVENTS


@pytest.mark.parametrize("case", list(tampering.CASES))
async def test_every_tampering_is_named(
    ledger: asyncpg.Pool, database_url: str, tmp_path: Path, case: str
) -> None:
    """Each tampering: ``ledger verify`` names the finding and the position; the export
    of the tampered database fails ``ledger-verify`` too."""
    tamper, code, position = tampering.CASES[case]
    owner = await asyncpg.connect(database_url)
    try:
        await tamper(owner)
    finally:
        await owner.close()
    for report in (await verified(ledger), await verified_in_stretches(database_url)):
        assert report.exit_code == TAMPERED, report.render_text()
        named = {(f.code, f.position) for f in report.findings}
        assert (code, position) in named, report.render_text()
    offline_report = await exported(database_url, tmp_path)
    assert offline_report.exit_code == TAMPERED, offline_report.render_text()


async def test_a_checkpoint_signed_by_another_key_is_untrusted(
    ledger: asyncpg.Pool,
) -> None:
    stranger = note.generate("incident-ledger")
    body = note.checkpoint_body("incident-ledger", 600, bytes(range(32)))
    await ledger.execute(
        "INSERT INTO checkpoints (size, root, note) VALUES (600, $1, $2)",
        bytes(range(32)), note.sign(body, stranger),
    )  # fmt: skip
    report = await verified(ledger)
    assert report.exit_code == UNTRUSTED
    assert "not signed by a pinned key" in report.render_text()


async def test_an_edited_checkpoint_is_untrusted(ledger: asyncpg.Pool, database_url: str) -> None:
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("ALTER TABLE checkpoints DISABLE TRIGGER checkpoints_no_update")
        await owner.execute(
            "UPDATE checkpoints SET note = replace(note, $1, $2)", "\n600\n", "\n599\n"
        )
        await owner.execute("ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_no_update")
    finally:
        await owner.close()
    report = await verified(ledger)
    assert report.exit_code == UNTRUSTED, report.render_text()
