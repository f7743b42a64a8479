"""``ledger verify --since``: given a ledger of 50 events checked in full, its pin state
kept, and 550 more events signed since, when the live database is verified from the
state, then only the 550 are read, the new state is the one a full run leaves, and every
tampering of the audit-trail tests (all after the pin) is named as a full run names it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import httpx
import pytest
from ledger_verify import note, pin_state
from ledger_verify.pin_state import PinState
from ledger_verify.report import TAMPERED, UNTRUSTED, VALID, Report
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger.commands.audit_run import Run, run_verify
from ledger.audit import live_verify, since_verify
from ledger.audit.signer import Policy, Signer
from ledger_api.app import create_app
from plumbing import db
from tests.integration import tampering
from tests.integration.test_api import bearer, http
from tests.integration.test_checkpoints import Published
from tests.support import note as note_event

pytestmark = pytest.mark.integration
KEY = note.generate("incident-ledger")
KEYS = [KEY.verifier()]
PIN, EVENTS = 50, 600


async def _post(client: httpx.AsyncClient, first: int, last: int) -> None:
    body = [note_event(f"TM-{i % 5}", f"step {i}") for i in range(first, last)]
    answer = await client.post("/v1/events", json=body)
    assert answer.status_code == 201, answer.text


async def _full(pool: asyncpg.Pool) -> Report:
    async with pool.acquire() as conn:
        return await live_verify.verify(conn, KEYS, lambda done, total: None, keep=True)


async def _since(pool: asyncpg.Pool, state: PinState) -> Report:
    async with pool.acquire() as conn:
        pinned = pin_state.open_state(state, KEYS)
        return await since_verify.verify_since(conn, KEYS, pinned, lambda done, total: None)


@pytest.fixture
async def pinned(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, tmp_path: Path
) -> tuple[asyncpg.Pool, PinState]:
    """The ledger after 600 events, and the state a full run kept after the first 50."""
    signer = Signer(KEY, "incident-ledger", tmp_path / "state", tmp_path / "out", Policy())
    async with http(create_app(ingesting, nc, db.head_revision(), topology)) as client:
        client.headers.update(await bearer(ingesting, "publisher"))
        await _post(client, 0, PIN)
        async with ingesting.acquire() as conn:
            await signer.tick(conn, Published(), now=1000.0)
        first = await _full(ingesting)
        assert first.state is not None, first.render_text()
        await _post(client, PIN, EVENTS)
    async with ingesting.acquire() as conn:
        await signer.tick(conn, Published(), now=1010.0)
    return ingesting, first.state


async def test_only_the_new_records_are_read(
    pinned: tuple[asyncpg.Pool, PinState],
) -> None:
    pool, state = pinned
    report = await _since(pool, state)
    assert report.exit_code == VALID, report.render_text()
    assert (report.events, report.size) == (EVENTS - PIN, EVENTS)
    assert report.state == (await _full(pool)).state
    assert report.state is not None
    again = await _since(pool, report.state)  # nothing new: nothing read, the same state
    assert (again.exit_code, again.events, again.state) == (VALID, 0, report.state)


@pytest.mark.parametrize("case", list(tampering.CASES))
async def test_every_tampering_after_the_pin_is_named(
    pinned: tuple[asyncpg.Pool, PinState], database_url: str, case: str
) -> None:
    pool, state = pinned
    tamper, code, position = tampering.CASES[case]
    owner = await asyncpg.connect(database_url)
    try:
        await tamper(owner)
    finally:
        await owner.close()
    report = await _since(pool, state)
    assert report.exit_code == TAMPERED, report.render_text()
    assert (code, position) in {(f.code, f.position) for f in report.findings}


async def test_a_rolled_back_log_against_a_newer_pin_is_untrusted(
    pinned: tuple[asyncpg.Pool, PinState], database_url: str
) -> None:
    pool, _ = pinned
    newer = (await _full(pool)).state
    assert newer is not None
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("ALTER TABLE checkpoints DISABLE TRIGGER USER")
        await owner.execute("DELETE FROM checkpoints WHERE size > $1", PIN)
        await owner.execute("ALTER TABLE checkpoints ENABLE TRIGGER USER")
    finally:
        await owner.close()
    report = await _since(pool, newer)
    assert report.exit_code == UNTRUSTED, report.render_text()
    assert report.findings[0].code == "rollback"


async def test_an_old_record_edited_behind_the_pin(
    pinned: tuple[asyncpg.Pool, PinState], database_url: str
) -> None:
    """Given a state pinned at 600, when record 100 is edited and merkle_head resealed over
    the edit, then the incremental run finds the head disagreeing with the pinned tree; a
    bare edit of the row is for a full run to name (the incremental run reads no old row)."""
    pool, _ = pinned
    newer = (await _full(pool)).state
    assert newer is not None
    owner = await asyncpg.connect(database_url)
    try:
        await tampering.flip_a_byte(owner)
        assert (await _since(pool, newer)).exit_code == VALID
        await tampering.reseal(owner)
    finally:
        await owner.close()
    assert "head" in {f.code for f in (await _since(pool, newer)).findings}
    full = await _full(pool)
    assert ("leaf", 100) in {(f.code, f.position) for f in full.findings}


async def test_the_command_writes_and_reads_the_state(
    pinned: tuple[asyncpg.Pool, PinState], database_url: str, tmp_path: Path
) -> None:
    """``ledger verify --write-pin``, then ``--since`` the file it wrote: both valid, the
    second reads nothing new; a state edited since is refused, exit 3."""
    state = tmp_path / "pin.json"
    full = Run(write_pin=state)
    assert await asyncio.to_thread(run_verify, database_url, KEYS, full) == VALID
    since = Run(as_json=True, since=state.read_text(), write_pin=state)
    assert await asyncio.to_thread(run_verify, database_url, KEYS, since) == VALID
    assert pin_state.parse(state.read_text()).size == EVENTS
    edited = Run(since=state.read_text().replace(f'"size":{EVENTS}', f'"size":{EVENTS - 1}'))
    assert await asyncio.to_thread(run_verify, database_url, KEYS, edited) == UNTRUSTED


async def test_the_command_counts_only_the_new_records_read(
    ingesting: asyncpg.Pool,
    nc: Client,
    topology: Topology,
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Given 10,000 events checked in full and pinned, and 10,000 more signed since, when
    ``ledger verify --since`` runs, then its summary counts exactly the 10,000 new records
    as read (the incidents' heads come from the state, no older row is fetched)."""
    signer = Signer(KEY, "incident-ledger", tmp_path / "state", tmp_path / "out", Policy())
    state = tmp_path / "pin.json"
    async with http(create_app(ingesting, nc, db.head_revision(), topology)) as client:
        client.headers.update(await bearer(ingesting, "publisher"))
        for first in range(0, 20_000, 1_000):
            await _post(client, first, first + 1_000)
            if first + 1_000 == 10_000:
                async with ingesting.acquire() as conn:
                    await signer.tick(conn, Published(), now=1000.0)
                full = Run(write_pin=state)
                assert await asyncio.to_thread(run_verify, database_url, KEYS, full) == VALID
    async with ingesting.acquire() as conn:
        await signer.tick(conn, Published(), now=1010.0)
    capsys.readouterr()
    since = Run(as_json=True, since=state.read_text())
    assert await asyncio.to_thread(run_verify, database_url, KEYS, since) == VALID
    summary = json.loads(capsys.readouterr().out)
    assert (summary["events"], summary["size"]) == (10_000, 20_000)


async def test_checkpoints_below_the_pin_are_a_full_runs_to_check(
    pinned: tuple[asyncpg.Pool, PinState], database_url: str
) -> None:
    """Given a state pinned at 600, when a checkpoint of fewer records has its note
    damaged, then the incremental run does not read it (its cost does not grow with the
    checkpoints of the past) and a full run refuses it."""
    pool, _ = pinned
    newer = (await _full(pool)).state
    assert newer is not None
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("ALTER TABLE checkpoints DISABLE TRIGGER USER")
        await owner.execute("UPDATE checkpoints SET note = note || 'x' WHERE size < $1", EVENTS)
        await owner.execute("ALTER TABLE checkpoints ENABLE TRIGGER USER")
    finally:
        await owner.close()
    assert (await _since(pool, newer)).exit_code == VALID
    assert (await _full(pool)).exit_code != VALID
