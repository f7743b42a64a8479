"""Proofs read from the hash tiles verify against the signed checkpoints with nothing but
the pinned key and the RFC 9162 algorithms: every event is in the log, every checkpoint
extends the earlier ones, and a publisher may ask for a receipt with its append."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from ledger_verify import merkle, note
from nats.aio.client import Client

from contracts.publisher import Publisher
from contracts.topology import Topology
from ledger.audit import signer
from ledger_api import receipts
from ledger_api.app import create_app
from plumbing import db
from tests.integration.conftest import wait_for_count
from tests.integration.test_api import bearer, http
from tests.integration.test_checkpoints import Published, signer_in
from tests.support import note as note_event

pytestmark = pytest.mark.integration
KEY = note.generate("test.example/log")


@pytest.fixture
async def client(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """Given 40 events and a checkpoint signed over them, then 3 more events."""
    for i in range(43):
        await Publisher(nc, topology).publish_json(note_event(f"PR-{i % 5}", f"step {i}"))
        if i == 39:
            assert await wait_for_count(ingesting, 40) == 40
            async with ingesting.acquire() as conn:
                await signer_in(tmp_path, KEY).tick(conn, Published(), now=1000.0)
    assert await wait_for_count(ingesting, 43) == 43
    async with http(create_app(ingesting, nc, db.head_revision(), topology)) as client:
        client.headers.update(await bearer(ingesting, "auditor"))
        yield client


def signed_root(signed: str) -> tuple[int, bytes]:
    _, size, root = note.parse_checkpoint(note.open_note(signed, [KEY.verifier()]))
    return size, root


async def test_every_event_is_proven_in_the_signed_tree(
    client: httpx.AsyncClient, ingesting: asyncpg.Pool
) -> None:
    rows = await ingesting.fetch("SELECT event_id, record FROM events WHERE position <= 40")
    for row in rows:
        answer = (await client.get(f"/v1/audit/proof/inclusion?event_id={row['event_id']}")).json()
        size, root = signed_root(answer["checkpoint"])
        leaf = merkle.leaf_hash(row["record"])
        assert answer["leaf_hash"] == leaf.hex()
        assert size == answer["tree_size"] == 40
        proof = [bytes.fromhex(h) for h in answer["proof"]]
        assert merkle.verify_inclusion(leaf, answer["leaf_index"], size, proof, root)


async def test_an_event_after_the_checkpoint_is_not_proven_yet(
    client: httpx.AsyncClient, ingesting: asyncpg.Pool
) -> None:
    late = await ingesting.fetchval("SELECT event_id FROM events WHERE position = 42")
    answer = await client.get(f"/v1/audit/proof/inclusion?event_id={late}")
    assert answer.status_code == 409
    assert answer.headers["retry-after"] == "1"
    assert "not covered by a signed checkpoint" in answer.json()["detail"]
    at_43 = (await client.get(f"/v1/audit/proof/inclusion?event_id={late}&size=43")).json()
    assert at_43["checkpoint"] is None
    assert at_43["tree_size"] == 43
    unknown = await client.get(
        "/v1/audit/proof/inclusion?event_id=" + "0" * 8 + "-0000-4000-8000-" + "0" * 12
    )
    assert unknown.status_code == 404


async def test_consistency_proofs_link_every_size_to_the_checkpoint(
    client: httpx.AsyncClient,
) -> None:
    for old in (1, 2, 7, 16, 33, 40):
        answer = (await client.get(f"/v1/audit/proof/consistency?from={old}")).json()
        size, root = signed_root(answer["to_checkpoint"])
        proof = [bytes.fromhex(h) for h in answer["proof"]]
        old_root = bytes.fromhex(answer["from_root"])
        assert merkle.verify_consistency(old, size, old_root, root, proof)
    beyond = await client.get("/v1/audit/proof/consistency?from=3&to=44")
    assert beyond.status_code == 400
    assert "no tree of size 44" in beyond.json()["detail"]


async def test_an_append_can_wait_for_its_receipt(
    ingesting: asyncpg.Pool,
    nc: Client,
    topology: Topology,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Given a running signer, when a publisher appends with ?receipt=true, then the answer
    carries a signed checkpoint and a proof that leads each record to its root."""
    monkeypatch.setattr(receipts, "WAIT", 30.0)  # a signer starting on a loaded machine
    stop = asyncio.Event()
    signing = asyncio.create_task(
        signer.run(database_url, signer_in(tmp_path, KEY), Published(), Published(), stop)
    )
    try:
        async with http(create_app(ingesting, nc, db.head_revision(), topology)) as client:
            client.headers.update(await bearer(ingesting, "publisher"))
            body = [note_event("RC-1", "one"), note_event("RC-2", "two")]
            answer = (await client.post("/v1/events?receipt=true", json=body)).json()
    finally:
        stop.set()
        await signing
    size, root = signed_root(answer["receipt"]["checkpoint"])
    for proven in answer["receipt"]["proofs"]:
        leaf = merkle.leaf_hash(base64.b64decode(proven["record"]))
        proof = [bytes.fromhex(h) for h in proven["proof"]]
        assert merkle.verify_inclusion(leaf, proven["position"] - 1, size, proof, root)
