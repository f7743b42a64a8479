"""The log served in the tlog-tiles layout (``/v1/audit/tiles``) over real HTTP: given a
ledger of 50 events signed and 550 more signed since, the served tiles hash to the signed
root; ``ledger-verify`` reads the whole log from them, or only what follows a pin; a
tampering after the pin is named; and ``ledger-verify watch --once`` reports a new
checkpoint and alerts on a rolled-back one."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from ledger_verify import cli, note, pin_state, served, tiles
from ledger_verify.export import parse_entries
from ledger_verify.merkle import leaf_hash
from ledger_verify.remote import TOKEN_ENV, Remote
from ledger_verify.report import MALFORMED, TAMPERED, UNTRUSTED, VALID, Report
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger.stack.process import free_port
from ledger.audit.signer import Policy, Signer
from ledger_api import token_store
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


@dataclass
class Served:
    pool: asyncpg.Pool
    url: str  # the tiles prefix
    auditor: dict[str, str]
    signer: Signer
    pinned: str  # the pin state a full run over the tiles wrote at PIN

    @property
    def remote(self) -> Remote:
        return Remote(self.url, self.auditor["Authorization"].removeprefix("Bearer "))

    async def verify(self, state: str | None = None) -> Report:
        pinned = None if state is None else pin_state.open_state(pin_state.parse(state), KEYS)
        return await asyncio.to_thread(served.verify, self.remote, KEYS, state=pinned)

    async def sign(self, now: float) -> None:
        async with self.pool.acquire() as conn:
            await self.signer.tick(conn, Published(), now=now)


def tiles_at(data: bytes) -> list[bytes]:
    return [data[i : i + 32] for i in range(0, len(data), 32)]


async def _post(client: httpx.AsyncClient, first: int, last: int) -> None:
    body = [note_event(f"TL-{i % 5}", f"step {i}") for i in range(first, last)]
    answer = await client.post("/v1/events", json=body)
    assert answer.status_code == 201, answer.text


@pytest.fixture
async def log(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, tmp_path: Path
) -> AsyncIterator[Served]:
    app = create_app(ingesting, nc, db.head_revision(), topology)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, "127.0.0.1", port, lifespan="off", log_config=None))
    serving = asyncio.create_task(server.serve())
    signer = Signer(KEY, "incident-ledger", tmp_path / "state", tmp_path / "out", Policy())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        auditor = await bearer(ingesting, "auditor")
        found = Served(ingesting, f"http://127.0.0.1:{port}/v1/audit/tiles", auditor, signer, "")
        async with http(app) as client:
            client.headers.update(await bearer(ingesting, "publisher"))
            await _post(client, 0, PIN)
            await found.sign(1000.0)
            first = await found.verify()
            assert first.state is not None, first.render_text()
            found.pinned = first.state.to_json()
            await _post(client, PIN, EVENTS)
        await found.sign(1010.0)
        yield found
    finally:
        server.should_exit = True
        await serving


async def _tiles_of(client: httpx.AsyncClient, size: int) -> dict[tiles.TileKey, bytes]:
    """Every tile of the tree of ``size``, each checked for its caching."""
    served_tiles = {}
    for level, index, width in tiles.tiles_of(size):
        answer = await client.get("/" + tiles.tile_path(level, index, width))
        assert answer.status_code == 200, answer.text
        assert ("immutable" in answer.headers["cache-control"]) == (width == tiles.WIDTH)
        served_tiles[(level, index)] = answer.content
    return served_tiles


async def test_the_served_tiles_hash_to_the_signed_root(log: Served) -> None:
    """Given the served checkpoint, when every tile of its tree is read, then they hash to
    its root; a smaller tree's partial tile and entry bundle are prefixes of the current
    ones, whose records hash to the tile's leaves."""
    async with httpx.AsyncClient(base_url=log.url, headers=log.auditor) as client:
        checkpoint = await client.get("/checkpoint")
        assert checkpoint.headers["cache-control"] == "no-cache"
        _, size, root = note.parse_checkpoint(note.open_note(checkpoint.text, KEYS))
        assert size == EVENTS
        served_tiles = await _tiles_of(client, size)
        assert tiles.range_hash(served_tiles.__getitem__, 0, size) == root
        older = await client.get("/" + tiles.tile_path(0, 2, 10))
        bundle = await client.get("/" + tiles.tile_path("entries", 2, 10))
    assert older.content == served_tiles[(0, 2)][: 10 * 32]
    assert bundle.headers["content-encoding"] == "gzip"  # decoded by the client
    records, problem = parse_entries(bundle.content)
    assert (len(records), problem) == (10, "")
    assert [leaf_hash(r) for r in records] == tiles_at(older.content)


async def test_no_tile_beyond_the_tree_no_junk_path_no_records_but_to_auditors(
    log: Served,
) -> None:
    async with log.pool.acquire() as conn:
        scope = token_store.check_scope("ORG-A", None)
        _, secret = await token_store.create(conn, role="auditor", name="s", scope=scope)
    clerk, scoped = await bearer(log.pool, "clerk"), {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(base_url=log.url, headers=log.auditor) as client:
        beyond = await client.get("/" + tiles.tile_path(0, 2, EVENTS % tiles.WIDTH + 1))
        assert beyond.status_code == 404
        for junk_path in ("/tile/0/x000/002", "/tile/entries/" + "x001/" * 1500 + "000"):
            junk = await client.get(junk_path)
            assert (junk.status_code, junk.json()["parameter"]) == (400, "tile"), junk.text
        for who in (clerk, scoped):
            assert (await client.get("/tile/0/000", headers=who)).status_code == 200
            assert (await client.get("/tile/entries/000", headers=who)).status_code == 403
    logged = await log.pool.fetch(
        "SELECT token_name, resource, status FROM access_log WHERE action = 'entries'"
    )
    seen = {tuple(row) for row in logged}
    assert {("test clerk", "tile/entries/000", 403), ("s", "tile/entries/000", 403)} <= seen
    assert ("test auditor", f"tile/entries/000.p/{PIN}", 200) in seen  # the fixture's run


async def test_full_and_incremental_runs_over_the_tiles_agree(log: Served) -> None:
    full = await log.verify()
    assert (full.exit_code, full.events, full.size) == (VALID, EVENTS, EVENTS), full.render_text()
    since = await log.verify(log.pinned)
    assert (since.exit_code, since.events) == (VALID, EVENTS - PIN), since.render_text()
    assert since.state == full.state


@pytest.mark.parametrize(
    "case", ["flipped payload byte", "payload edited, hashes recomputed", "deleted row"]
)
async def test_a_tampering_after_the_pin_is_named_over_the_tiles(
    log: Served, database_url: str, case: str
) -> None:
    tamper, code, position = tampering.CASES[case]
    owner = await asyncpg.connect(database_url)
    try:
        await tamper(owner)
    finally:
        await owner.close()
    for report in (await log.verify(log.pinned), await log.verify()):
        assert report.exit_code == TAMPERED, report.render_text()
        assert (code, position) in {(f.code, f.position) for f in report.findings}


async def test_a_record_too_long_for_an_entry_bundle_is_named_by_its_bundle(
    log: Served, database_url: str
) -> None:
    """Given a record made longer than an entry's 16-bit length prefix behind the ledger's
    back, when its bundle is read, then the answer is a 500 naming the record's position
    (and logged), and a run over the tiles reports it rather than failing."""
    owner = await asyncpg.connect(database_url)
    try:
        await tampering.unguarded(owner, [
            "UPDATE events SET record = record || convert_to(repeat(' ', 70000), 'UTF8')"
            " WHERE position = 100",
        ])  # fmt: skip
    finally:
        await owner.close()
    async with httpx.AsyncClient(base_url=log.url, headers=log.auditor) as client:
        bundle = await client.get("/tile/entries/000")
        assert (await client.get("/tile/entries/001")).status_code == 200
    assert bundle.status_code == 500, bundle.text
    assert "the record at position 100 is" in bundle.json()["detail"]
    assert "at most 65535 bytes" in bundle.json()["detail"]
    logged = await log.pool.fetchval(
        "SELECT count(*) FROM access_log WHERE resource = 'tile/entries/000' AND status = 500"
    )
    assert logged == 1
    report = await log.verify()
    assert report.exit_code == MALFORMED, report.render_text()
    assert "answered 500: 'tile/entries/000: the record at position 100" in report.render_text()


async def _watch(log: Served, state: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv(TOKEN_ENV, log.remote.token or "")
    out = io.StringIO()
    argv = ["watch", log.url, "--key", str(KEYS[0]), "--pin", str(state), "--once"]
    with redirect_stdout(out):
        code = await asyncio.to_thread(cli.main, argv)
    return code, out.getvalue()


async def test_watch_reports_a_new_checkpoint_and_alerts_on_a_rollback(
    log: Served, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "pin.json"
    state.write_text(log.pinned)
    code, out = await _watch(log, state, monkeypatch)
    assert code == VALID, out
    assert f"checkpoint {EVENTS} " in out, out
    assert f"consistent with {PIN}" in out
    assert f"{EVENTS - PIN} records checked" in out
    assert pin_state.parse(state.read_text()).size == EVENTS
    assert await _watch(log, state, monkeypatch) == (VALID, "")  # nothing new: no line
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("ALTER TABLE checkpoints DISABLE TRIGGER USER")
        await owner.execute("DELETE FROM checkpoints WHERE size > $1", PIN)
        await owner.execute("ALTER TABLE checkpoints ENABLE TRIGGER USER")
    finally:
        await owner.close()
    code, out = await _watch(log, state, monkeypatch)
    assert code == UNTRUSTED, out
    assert "ALERT" in out, out
    assert "rollback" in out
    assert pin_state.parse(state.read_text()).size == EVENTS  # the pin is kept
