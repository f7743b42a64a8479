"""An auditor downloads an incident's bundle from the API and checks it offline with
``ledger-verify``: untouched it verifies; an event dropped, added or duplicated, a
record edited in the database, a pin the bundle rolls back behind: each is caught."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import jsonschema
import pytest
from ledger_verify import bundle as offline
from ledger_verify import note
from ledger_verify.report import TAMPERED, UNTRUSTED, VALID, Report
from nats.aio.client import Client

from contracts.topology import Topology
from ledger.audit.signer import Policy, Signer
from ledger_api.app import create_app
from plumbing import db
from tests.integration import tampering
from tests.integration.test_api import bearer, http
from tests.integration.test_checkpoints import Published
from tests.support import note as note_event
from tests.unit.verify.ledgers import edit_lines

pytestmark = pytest.mark.integration
KEY = note.generate("incident-ledger")


class Ledger:
    def __init__(self, pool: asyncpg.Pool, client: httpx.AsyncClient, signer: Signer) -> None:
        self.pool, self.client, self.signer = pool, client, signer
        self.signed: list[str] = []
        self.downloads = 0
        self.publisher: dict[str, str] = {}

    async def record(self, count: int, start: int = 0) -> None:
        body = [note_event(f"BU-{i % 4}", f"step {i}") for i in range(start, start + count)]
        answer = await self.client.post("/v1/events", json=body, headers=self.publisher)
        assert answer.status_code == 201, answer.text

    async def sign(self, now: float) -> str:
        async with self.pool.acquire() as conn:
            signed = await self.signer.tick(conn, Published(), now=now)
        assert signed is not None
        self.signed.append(signed)
        return signed

    async def bundle(self, tmp: Path, incident: str = "BU-1", query: str = "") -> Path:
        answer = await self.client.get(f"/v1/incidents/{incident}/bundle{query}")
        assert answer.status_code == 200, answer.text
        self.downloads += 1
        path = tmp / f"{incident}-{self.downloads}.zip"
        path.write_bytes(answer.content)
        return path


@pytest.fixture
async def ledger(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, tmp_path: Path
) -> AsyncIterator[Ledger]:
    """Given 300 events over four incidents and a checkpoint signed over them."""
    signer = Signer(KEY, "incident-ledger", tmp_path / "state", tmp_path / "out", Policy())
    app = create_app(ingesting, nc, db.head_revision(), topology, claim_key=KEY)
    async with http(app) as client:
        client.headers.update(await bearer(ingesting, "auditor"))
        ledger = Ledger(ingesting, client, signer)
        ledger.publisher = await bearer(ingesting, "publisher")
        await ledger.record(300)
        await ledger.sign(1000.0)
        yield ledger


def checked(path: Path, pin: str | None = None) -> Report:
    return offline.verify(path, [KEY.verifier()], pin)


async def test_a_bundle_verifies_with_the_pinned_key(ledger: Ledger, tmp_path: Path) -> None:
    report = checked(await ledger.bundle(tmp_path))
    assert report.exit_code == VALID, report.render_text()
    assert report.events == 75


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda rows: rows[:10] + rows[11:], "missing"),
        (lambda rows: [*rows[:11], *rows[10:]], "twice"),
        (lambda rows: rows[:-1], "claim"),
    ],
    ids=["dropped", "duplicated", "last dropped"],
)
async def test_an_edited_bundle_is_tampered(
    ledger: Ledger, tmp_path: Path, edit: object, words: str
) -> None:
    path = await ledger.bundle(tmp_path)
    path.write_bytes(edit_lines(path.read_bytes(), edit))  # type: ignore[arg-type]
    report = checked(path)
    assert report.exit_code == TAMPERED
    assert words in report.render_text(), report.render_text()


async def test_an_event_of_another_incident_added_is_tampered(
    ledger: Ledger, tmp_path: Path
) -> None:
    other = edit_lines((await ledger.bundle(tmp_path, "BU-2")).read_bytes(), lambda rows: rows)
    stranger = [row for row in _rows(other)][5]
    path = await ledger.bundle(tmp_path)
    path.write_bytes(edit_lines(path.read_bytes(), lambda rows: [*rows[:5], stranger, *rows[5:]]))
    assert checked(path).exit_code == TAMPERED


def _rows(bundle: bytes) -> list[tuple[bytes, bytes, bytes]]:
    got: list[tuple[bytes, bytes, bytes]] = []
    edit_lines(bundle, lambda rows: got.extend(rows) or rows)  # type: ignore[func-returns-value]
    return got


async def test_a_record_edited_in_the_database_fails_its_proof(
    ledger: Ledger, tmp_path: Path, database_url: str
) -> None:
    owner = await asyncpg.connect(database_url)
    try:
        position = await owner.fetchval(
            "SELECT position FROM events WHERE incident_id = 'BU-1' AND version = 7"
        )
        await tampering.unguarded(owner, [tampering._text_edit(position, "step", "STEP")])
        await tampering.rehash(owner, position)
    finally:
        await owner.close()
    report = checked(await ledger.bundle(tmp_path))
    assert report.exit_code == TAMPERED
    assert any(f.position == position for f in report.findings), report.render_text()


async def test_a_bundle_extends_an_earlier_pin(ledger: Ledger, tmp_path: Path) -> None:
    """Given a pin at 300, when 40 more events are signed at 340, then the bundle asked
    for ``since=300`` carries the consistency proof; without it the pin cannot be checked."""
    pin = ledger.signed[0]
    await ledger.record(40, start=300)
    await ledger.sign(1100.0)
    with_proof = checked(await ledger.bundle(tmp_path, query="?since=300"), pin)
    assert with_proof.exit_code == VALID, with_proof.render_text()
    without = checked(await ledger.bundle(tmp_path), pin)
    assert without.exit_code == UNTRUSTED
    assert "since=300" in without.render_text()


async def test_a_rolled_back_checkpoint_is_untrusted(
    ledger: Ledger, tmp_path: Path, database_url: str
) -> None:
    """Given a pin at 340, when the operator serves the older checkpoint at 300 (the
    newer one deleted), then the bundle is refused as a rollback, by the CLI too."""
    await ledger.record(40, start=300)
    pin = await ledger.sign(1100.0)
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("ALTER TABLE checkpoints DISABLE TRIGGER checkpoints_no_update")
        await owner.execute("DELETE FROM checkpoints WHERE size = 340")
        await owner.execute("ALTER TABLE checkpoints ENABLE ALWAYS TRIGGER checkpoints_no_update")
    finally:
        await owner.close()
    path = await ledger.bundle(tmp_path)
    (tmp_path / "pin").write_text(pin)
    cli = [sys.executable, "-m", "ledger_verify", str(path), "--key", str(KEY.verifier())]
    done = await asyncio.to_thread(run, [*cli, "--pin", str(tmp_path / "pin")])
    assert done.returncode == UNTRUSTED, done.stdout + done.stderr
    assert "rollback" in done.stdout
    assert (await asyncio.to_thread(run, cli)).returncode == VALID


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


async def test_a_bundle_comes_as_json_on_request_and_only_as_zip_or_json(ledger: Ledger) -> None:
    """Given the signed ledger, then ``format=json`` answers the same bundle as one JSON
    document (the browser's verifier checks it), and any other format is refused by name."""
    answer = await ledger.client.get("/v1/incidents/BU-1/bundle", params={"format": "json"})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert (doc["manifest"]["events"], len(doc["records"])) == (75, 75)
    assert doc["key_id"] == KEY.key_id.hex()
    documented = (await ledger.client.get("/schema/openapi.json")).json()
    operation = documented["paths"]["/v1/incidents/{incident_id}/bundle"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/zip", "application/json"}
    jsonschema.validate(doc, content["application/json"]["schema"])
    refused = await ledger.client.get("/v1/incidents/BU-1/bundle", params={"format": "pdf"})
    assert refused.status_code == 400, refused.text
    assert refused.json()["parameter"] == "format", refused.text
