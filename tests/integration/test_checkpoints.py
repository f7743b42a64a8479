"""The signer signs the Merkle log's head as a C2SP checkpoint that anyone can verify with
the pinned key, and refuses once an old record is rewritten, even with the head
recomputed to match."""

from __future__ import annotations

import stat
from pathlib import Path

import asyncpg
import pytest
from ledger_verify import note
from ledger_verify.compact import CompactRange
from ledger_verify.merkle import leaf_hash, root
from nats.aio.client import Client

from contracts.publisher import Publisher
from contracts.topology import Topology
from ledger.audit.signer import Policy, Refused, Signer
from ledger_api.app import create_app
from plumbing import db
from tests.integration.conftest import wait_for_count
from tests.integration.test_api import bearer, http
from tests.support import note as note_event

pytestmark = pytest.mark.integration


@pytest.fixture
async def recorded(ingesting: asyncpg.Pool, nc: Client, topology: Topology) -> asyncpg.Pool:
    for i in range(40):
        await Publisher(nc, topology).publish_json(note_event(f"CP-{i % 4}", f"step {i}"))
    assert await wait_for_count(ingesting, 40) == 40
    return ingesting


def signer_in(tmp: Path, key: note.Signer) -> Signer:
    return Signer(key, "test.example/log", tmp / "state", tmp / "out", Policy(idle=60))


class Published(list[str]):
    async def __call__(self, signed: str) -> None:
        self.append(signed)


async def test_a_checkpoint_verifies_with_the_pinned_key(
    recorded: asyncpg.Pool, nc: Client, tmp_path: Path
) -> None:
    key, published = note.generate("test.example/log"), Published()
    signer = signer_in(tmp_path, key)
    async with recorded.acquire() as conn:
        signed = await signer.tick(conn, published, now=1000.0)
        assert await signer.tick(conn, published, now=1000.5) is None  # nothing new, not idle
        assert await signer.tick(conn, published, now=1061.0) is not None  # idle: re-signed
        records = await conn.fetch("SELECT record FROM events ORDER BY position")
    assert signed is not None
    origin, size, at = note.parse_checkpoint(note.open_note(signed, [key.verifier()]))
    assert (origin, size) == ("test.example/log", 40)
    assert at == root([leaf_hash(r["record"]) for r in records])
    assert published[0] == signed
    assert len(list((tmp_path / "out").iterdir())) == 2
    for private in (tmp_path / "out", tmp_path / "state"):  # the signer's alone
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        assert {stat.S_IMODE(f.stat().st_mode) for f in private.iterdir()} <= {0o400, 0o600}
    async with http(create_app(recorded, nc, db.head_revision())) as client:
        latest = await client.get(
            "/v1/audit/checkpoints/latest", headers=await bearer(recorded, "clerk")
        )
        at_40 = await client.get(
            "/v1/audit/checkpoints?size=40", headers=await bearer(recorded, "auditor")
        )
    assert latest.json()["size"] == 40
    assert at_40.json()["note"].startswith("test.example/log\n40\n")


async def test_the_signer_refuses_a_rewritten_past(
    recorded: asyncpg.Pool, database_url: str, tmp_path: Path
) -> None:
    """Given a signed checkpoint, when a superuser edits an old record with the triggers off
    and recomputes merkle_head to match, then the signer refuses to sign again."""
    signer, published = signer_in(tmp_path, note.generate("test.example/log")), Published()
    async with recorded.acquire() as conn:
        await signer.tick(conn, published, now=1000.0)
    owner = await asyncpg.connect(database_url)
    try:
        await owner.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
        await owner.execute(
            "UPDATE events SET record = convert_to(replace(convert_from(record, 'UTF8'),"
            " 'step 1', 'step X'), 'UTF8') WHERE position = 2"
        )
        await owner.execute("ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update")
        records = await owner.fetch("SELECT record FROM events ORDER BY position")
        forged = CompactRange()
        forged.extend(leaf_hash(r["record"]) for r in records)
        await owner.execute(
            "UPDATE merkle_head SET hashes = $1, root = $2", forged.hashes, forged.root()
        )
    finally:
        await owner.close()
    again = signer_in(tmp_path, signer.key)  # a restart: its state comes from its own file
    async with recorded.acquire() as conn:
        with pytest.raises(Refused, match="history was rewritten"):
            await again.tick(conn, published, now=2000.0)
    assert len(published) == 1
