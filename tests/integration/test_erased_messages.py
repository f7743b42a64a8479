"""Deleting an erased subject's messages from NATS (``ledger.store.erased_messages``), step
by step. Given an erased claimant whose claim was published twice (the second copy not yet
settled by the ledger), beside the incident's report and another incident's claim: when the
NATS step runs, then the settled copy is deleted and the unsettled one kept (the ingest
still needs it), and the erasure stays pending; once the ledger has settled it, the next
run deletes it and the erasure is complete; the report and the other incident's claim are
kept throughout. The API's database role (which erases) does all of it, and reads until when
a subject is held."""

from __future__ import annotations

import base64
import contextlib
import uuid
from typing import Any

import asyncpg
import msgspec
import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts import builders, canonical
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor
from contracts.events import Personal, Site
from contracts.topology import Topology
from ledger.store import erased_messages, retention
from plumbing import jetstream
from plumbing.db import SERVICE_ROLES, acting_as
from tests.integration.conftest import wait_for_count

pytestmark = pytest.mark.integration
CLAIMANT = Personal(name="Wang Fang", phone="13900000000")


def _claim(incident: str) -> bytes:
    envelope = builders.open_claim(
        claim_number="C-1", insurer="I", policy_number="P", currency="CNY", reserve_minor=1,
        personal=CLAIMANT, incident_id=incident, source="desk", actor=Actor(id="a-1"),
    )  # fmt: skip
    return msgspec.json.encode(canonical.to_builtins(envelope))


def _report(incident: str) -> bytes:
    envelope = builders.report_incident(
        kind=IncidentKind.FIRE, title="fire", site=Site(name="canteen", location_code="C-1"),
        channel=ReportChannel.PHONE, personal=Personal(name="Li Wei"), incident_id=incident,
        source="desk", actor=Actor(id="a-1"),
    )  # fmt: skip
    return msgspec.json.encode(canonical.to_builtins(envelope))


async def _erased(pool: asyncpg.Pool, subject: str, incident: str) -> None:
    """The subject as an erasure leaves it: no key, its values' rows without ciphertext."""
    await pool.execute(
        "INSERT INTO subject_keys (subject, erased_at, erased_by, erasure_reason)"
        " VALUES ($1, now(), 'test', 'R-1')",
        subject,
    )
    await pool.execute(
        "INSERT INTO sealed_values (commitment, subject, incident_id, event_id, path)"
        " VALUES ($1, $2, $3, $4, 'payload.personal.name')",
        uuid.uuid4().bytes, subject, incident, uuid.uuid4(),
    )  # fmt: skip


async def test_only_settled_messages_are_deleted_and_the_erasure_completes_later(
    pool: asyncpg.Pool, nc: Client, topology: Topology, database_url: str
) -> None:
    js = nc.jetstream()
    await jetstream.ensure_topology(js, topology)
    incident, other = f"EM-{uuid.uuid4().hex[:6]}", f"EO-{uuid.uuid4().hex[:6]}"
    subject = topology.event_subject("desk", incident)
    sent: dict[str, Any] = {}
    for name, data, on in (
        ("report", _report(incident), subject),
        ("claim", _claim(incident), subject),
        ("other", _claim(other), topology.event_subject("desk", other)),
        ("again", _claim(incident), subject),  # a later copy, not yet settled
    ):
        sent[name] = (await js.publish(on, data)).seq
    await _erased(pool, f"{incident}:claimant", incident)
    await _settle(pool, topology, sent["other"])
    conn = await asyncpg.connect(acting_as(database_url, SERVICE_ROLES["api"]))
    try:
        (first,) = await erased_messages.clear_pending(conn, js, topology)
        assert (first.deleted, first.done) == (1, False)
        assert await erased_messages.pending(conn) == [f"{incident}:claimant"]
        assert await _kept(js, topology) == {sent["report"], sent["other"], sent["again"]}
        await _settle(pool, topology, sent["again"])
        (then,) = await erased_messages.clear_pending(conn, js, topology)
        assert (then.deleted, then.done) == (1, True)
        assert await erased_messages.pending(conn) == []
        assert await retention.of(conn, f"{incident}:reporter") is not None
    finally:
        await conn.close()
    assert await _kept(js, topology) == {sent["report"], sent["other"]}


async def _settle(pool: asyncpg.Pool, topology: Topology, seq: int) -> None:
    await pool.execute(
        "INSERT INTO ingest_offsets (stream, last_seq) VALUES ($1, $2)"
        " ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq",
        topology.events_stream, seq,
    )  # fmt: skip


async def _kept(js: Any, topology: Topology, stream: str = "") -> set[int]:
    """The sequences the events stream (or ``stream``) still holds."""
    stream = stream or topology.events_stream
    state = (await js.stream_info(stream)).state
    kept = set()
    for seq in range(state.first_seq, state.last_seq + 1):
        with contextlib.suppress(NotFoundError):
            await js.get_msg(stream, seq)
            kept.add(seq)
    return kept


async def test_a_value_sequenced_during_the_scan_makes_the_erasure_pending_again(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    """Given an erased claimant whose messages were cleared; when the claimant's name is
    published again and recorded while a scan runs (its record's time before the time the
    scan ended): then the erasure is pending again, and the next run deletes the message."""
    js = nc.jetstream()
    incident = f"ES-{uuid.uuid4().hex[:6]}"
    subject = f"{incident}:claimant"
    await _erased(ingesting, subject, incident)
    async with ingesting.acquire() as conn:
        assert [c.done for c in await erased_messages.clear_pending(conn, js, topology)] == [True]
        before = await ingesting.fetchval("SELECT count(*) FROM events")
        sent = (await js.publish(topology.event_subject("desk", incident), _claim(incident))).seq
        assert await wait_for_count(ingesting, before + 1) == before + 1
        await conn.execute(  # the scan ended after the record was sequenced
            "UPDATE subject_keys SET stream_cleared_at = now() + interval '1 minute'"
            " WHERE subject = $1",
            subject,
        )
        assert await erased_messages.pending(conn) == [subject]
        (again,) = await erased_messages.clear_pending(conn, js, topology, only={subject})
        assert (again.deleted, again.done) == (1, True)
        assert await erased_messages.pending(conn) == []
    assert sent not in await _kept(js, topology)


async def test_one_pass_clears_every_pending_subject_and_a_subjects_own_pass_only_it(
    pool: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    """Given two erased claimants, each with a settled claim and a rejection record of it:
    when one subject's messages are cleared (as its erasure does), then only its messages
    go and the other stays pending; when the pending ones are cleared, in one pass, then
    the other's go too, its rejection record with them."""
    js = nc.jetstream()
    await jetstream.ensure_topology(js, topology)
    incidents = [f"E{n}-{uuid.uuid4().hex[:6]}" for n in (1, 2)]
    sent, rejected = [], []
    for incident in incidents:
        await _erased(pool, f"{incident}:claimant", incident)
        claim = _claim(incident)
        sent.append((await js.publish(topology.event_subject("desk", incident), claim)).seq)
        record = msgspec.json.encode({"raw": base64.b64encode(claim).decode()})
        rejected.append((await js.publish(topology.rejected_subject("desk"), record)).seq)
    await _settle(pool, topology, max(sent))
    first, second = (f"{i}:claimant" for i in incidents)
    async with pool.acquire() as conn:
        (own,) = await erased_messages.clear_pending(conn, js, topology, only={first})
        assert (own.subject, own.deleted, own.done) == (first, 2, True)
        assert await erased_messages.pending(conn) == [second]
        (rest,) = await erased_messages.clear_pending(conn, js, topology)
        assert (rest.subject, rest.deleted, rest.done) == (second, 2, True)
    assert not set(sent) & await _kept(js, topology)
    assert not set(rejected) & await _kept(js, topology, topology.rejected_stream)
