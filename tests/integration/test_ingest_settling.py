"""A rejection costs its message only: never the batch around it, never the lead.

Given a running ingest, when bad messages come last in their batches, or a message meets
a defect in decoding or in the writer, then the good events around them are recorded, the
bad ones rejected (a defect as ``internal_error``, naming the exception's class and
counted), and the same PostgreSQL session holds the lead throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain import sequencer
from ledger.domain.prepared import Prepared, prepare
from ledger.ingest import intake
from ledger.store import writer
from tests.integration.hostile import Watch, leader_pid, nats_sender
from tests.support import note

pytestmark = pytest.mark.integration


@pytest.fixture
async def watch(ingesting: asyncpg.Pool, nc: Client, topology: Topology) -> AsyncIterator[Watch]:
    watching = Watch(ingesting, nc, topology)
    yield watching
    await watching.close()


async def _settled(nc: Client, topology: Topology, seq: int) -> None:
    """Until the ingest consumer's acknowledgement floor reaches stream sequence ``seq``."""
    js = nc.jetstream()
    for _ in range(1500):
        with contextlib.suppress(NotFoundError):  # before the ingest has made it
            info = await js.consumer_info(topology.events_stream, topology.ingest_consumer)
            if info.ack_floor.stream_seq >= seq:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"stream sequence {seq} was never settled")


def _failures(error: str) -> float:
    return float(metrics.INTERNAL_ERRORS.labels(error)._value.get())


async def test_eight_bad_events_each_last_of_its_batch_cost_no_lead(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, watch: Watch
) -> None:
    js, lead = nc.jetstream(), await leader_pid(ingesting)
    goods, bads = [], []
    for n in range(8):
        good = note(f"good-{n}")
        await js.publish(
            topology.event_subject("desk", good["incident_id"]), msgspec.json.encode(good)
        )
        bad = topology.event_subject("desk", f"bad-{n}")
        ack = await js.publish(bad, b"{not json", headers={"Nats-Msg-Id": f"bad-{n}"})
        await _settled(nc, topology, ack.seq)  # nothing published after it: last of its batch
        goods.append(good["event_id"])
        bads.append(bad)
    await watch.settle(goods, bads, {})
    assert await watch.recorded(goods) == set(goods)
    assert [watch.rejections[s].code for s in bads] == ["invalid_json"] * 8
    assert await leader_pid(ingesting) == lead


async def _poisoned(watch: Watch, poison: str) -> tuple[list[str], str]:
    """Good events, the one for incident ``poison``, and more good ones, published at once
    (so that they share batches); once all are settled, the good event_ids and the
    poisoned subject."""
    send, events = nats_sender(watch.nc, watch.topology), []
    for n in range(30):
        events.append(note(poison if n == 15 else f"ok-{uuid.uuid4().hex[:8]}"))
        await send(events[-1]["incident_id"], msgspec.json.encode(events[-1]))
    goods = [e["event_id"] for e in events if e["incident_id"] != poison]
    subject = watch.topology.event_subject("desk", poison)
    await watch.settle(goods, [subject], {})
    return goods, subject


async def test_a_defect_in_decoding_one_message_rejects_that_message_alone(
    ingesting: asyncpg.Pool, watch: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fragile(envelope: Any) -> Prepared:
        if envelope.incident_id == "poison-decode":
            raise RecursionError("maximum recursion depth exceeded")
        return prepare(envelope)

    monkeypatch.setattr(intake, "prepare", fragile)
    before, lead = _failures("RecursionError"), await leader_pid(ingesting)
    goods, subject = await _poisoned(watch, "poison-decode")
    assert await watch.recorded(goods) == set(goods)
    record = watch.rejections[subject]
    assert (record.code, record.path) == ("internal_error", "$")
    assert "RecursionError" in record.message
    assert _failures("RecursionError") == before + 1
    assert await leader_pid(ingesting) == lead


async def test_a_defect_in_the_writer_is_found_message_by_message_and_costs_no_lead(
    ingesting: asyncpg.Pool, watch: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    sequence = sequencer.sequence

    def fragile(envelopes: Any, **known: Any) -> Any:
        if any(e.incident_id == "poison-writer" for e in envelopes):
            raise KeyError("a defect the sequencer meets")
        return sequence(envelopes, **known)

    monkeypatch.setattr(writer, "sequence", fragile)
    before, lead = _failures("KeyError"), await leader_pid(ingesting)
    goods, subject = await _poisoned(watch, "poison-writer")
    assert await watch.recorded(goods) == set(goods)
    record = watch.rejections[subject]
    assert record.code == "internal_error"
    assert "KeyError" in record.message
    assert _failures("KeyError") == before + 1
    assert await leader_pid(ingesting) == lead
    rows = await ingesting.fetch("SELECT position FROM events ORDER BY position")
    assert [r["position"] for r in rows] == list(range(1, len(goods) + 1))  # no gap, no twin


@pytest.mark.parametrize("status", ["409", "404", "408", "100", "503"])
async def test_a_publishers_status_header_is_not_taken_for_the_servers(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology, watch: Watch, status: str
) -> None:
    js, lead = nc.jetstream(), await leader_pid(ingesting)
    events = [note(f"status-{n}") for n in range(3)]
    for n, event in enumerate(events):
        headers = {"Nats-Msg-Id": event["event_id"]}
        if n == 1:
            headers |= {"Status": status, "Description": "Consumer Deleted"}
        subject = topology.event_subject("desk", event["incident_id"])
        await js.publish(subject, msgspec.json.encode(event), headers=headers)
    ids = [e["event_id"] for e in events]
    await watch.settle(ids, [], {})
    assert await watch.recorded(ids) == set(ids)
    assert await leader_pid(ingesting) == lead
