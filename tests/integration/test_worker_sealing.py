"""A large batch is sealed by the decoding worker that decodes it, beside the sequencer.
Given a backlog of casualties with names, when a worker decodes a batch of them, then every
name comes back as a token that opens, under its subject's key, to the name published, each
event marked sealed, and the writer's sealer leaves them as they are. A correction comes
back unsealed: the writer's sealer, which sees every batch, finds what it corrects. When
the worker cannot reach the database, the batch comes back unsealed, names as published,
for the writer's sealer to seal: nothing is lost to it."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest
from nats.aio.msg import Msg

from contracts import builders, canonical
from contracts.envelope import Actor
from contracts.events import Personal
from contracts.levels import CasualtySeverity
from contracts.topology import Topology
from ledger.domain.prepared import Prepared
from ledger.ingest.decode_pool import MIN_BATCH, DecodePool
from ledger.ingest.worker_sealing import SealingTarget
from ledger.store import sealed_writes, sealing, subject_keys
from ledger.store.sealer import Sealer
from plumbing.settings import IngestSettings
from tests.support import MASTER

pytestmark = pytest.mark.integration

TOPOLOGY = Topology("ws")


def _published(incident: str, n: int) -> list[Msg]:
    msgs = []
    for i in range(n):
        envelope = builders.record_casualty(
            count=1, severity=CasualtySeverity.MINOR, personal=Personal(name=f"WORKERname{i}Z"),
            incident_id=f"{incident}-{i % 7}", source="sealing", actor=Actor(id="agent-1"),
        )  # fmt: skip
        subject = TOPOLOGY.event_subject(envelope.source, envelope.incident_id)
        msgs.append(Msg(_client=None, subject=subject, data=canonical.encode(envelope)))  # type: ignore[arg-type]
    return msgs


def _names(items: list[object]) -> list[str]:
    return [
        json.loads(p.event)["payload"]["personal"]["name"] for p in items if isinstance(p, Prepared)
    ]


def _commitment(token: str) -> bytes:
    made = sealing.commitment_of(token)
    assert made is not None
    return made


async def _decoded(target: SealingTarget, msgs: list[Msg]) -> list[Prepared]:
    pool = DecodePool(1, TOPOLOGY, IngestSettings(), target)
    pool.start()
    try:
        await pool.started()
        decoded = await pool.decode(msgs)
    finally:
        pool.close()
    assert all(isinstance(i, Prepared) for i in decoded.items)
    return [i for i in decoded.items if isinstance(i, Prepared)]


async def test_a_worker_seals_the_batch_it_decodes(database_url: str) -> None:
    incident = f"WS-{uuid.uuid4().hex[:8]}"
    msgs = _published(incident, MIN_BATCH + 10)
    prepared = await _decoded(SealingTarget(database_url, MASTER), msgs)
    assert all(p.sealed for p in prepared)
    names = _names(list(prepared))
    assert all(n.startswith("pd1.") for n in names)
    assert len(set(names)) == len(names)
    conn = await asyncpg.connect(database_url)
    try:
        stored = await conn.fetchval(
            "SELECT count(*) FROM sealed_values WHERE incident_id LIKE $1", f"{incident}-%"
        )
        assert stored == len(msgs)
        opened = await subject_keys.open_values(conn, MASTER, map(_commitment, names))
        assert sorted(str(v) for v in opened.values()) == sorted(
            f"WORKERname{i}Z" for i in range(len(msgs))
        )
        sealer = Sealer(await sealed_writes.connect(database_url), MASTER)
        assert [p.event for p in await sealer.seal(prepared)] == [p.event for p in prepared]
        await sealer.close()
    finally:
        await conn.close()


async def test_a_worker_that_cannot_seal_leaves_it_to_the_writer(database_url: str) -> None:
    msgs = _published(f"WS-{uuid.uuid4().hex[:8]}", MIN_BATCH)
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    prepared = await _decoded(SealingTarget(unreachable, MASTER), msgs)
    assert not any(p.sealed for p in prepared)
    assert _names(list(prepared)) == [f"WORKERname{i}Z" for i in range(MIN_BATCH)]
    sealer = Sealer(await sealed_writes.connect(database_url), MASTER)
    sealed = await sealer.seal(prepared)
    await sealer.close()
    assert all(n.startswith("pd1.") for n in _names(list(sealed)))


async def test_a_worker_leaves_corrections_to_the_writer(database_url: str) -> None:
    incident = f"WS-{uuid.uuid4().hex[:8]}"
    msgs = _published(incident, MIN_BATCH)
    fix = builders.correct_event(
        corrects_event_id=uuid.uuid4(), corrected={"personal": {"name": "WORKERfixZ"}},
        reason="misspelt", incident_id=f"{incident}-0", source="sealing",
        actor=Actor(id="agent-1"),
    )  # fmt: skip
    subject = TOPOLOGY.event_subject(fix.source, fix.incident_id)
    msgs.append(Msg(_client=None, subject=subject, data=canonical.encode(fix)))  # type: ignore[arg-type]
    # the writer's sealer, which sees every batch in order, finds what it corrects
    prepared = await _decoded(SealingTarget(database_url, MASTER), msgs)
    assert all(p.sealed for p in prepared[:-1])
    assert not prepared[-1].sealed
    assert b"WORKERfixZ" in prepared[-1].event
