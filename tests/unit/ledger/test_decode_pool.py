"""Given a batch of published messages, good and bad, the decoding worker prepares exactly
what decoding in the ingest itself would: the same events for the sequencer, the same
rejections in the same places; and a worker that dies costs nothing but its speed."""

from __future__ import annotations

import asyncio
import os
import signal
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from nats.aio.msg import Msg

from contracts import canonical
from contracts.outcomes import Rejected
from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import prepare
from ledger.ingest import decode_pool
from ledger.ingest.decode_pool import MIN_BATCH, DecodePool
from ledger.ingest.intake import Decoded, decode_batch
from plumbing.settings import IngestSettings
from tests.support import note_envelope

pytestmark = pytest.mark.unit

TOPOLOGY = Topology("t")
SETTINGS = IngestSettings()


def published(n: int) -> list[Msg]:
    """``n`` messages, every seventh of them refused for a different reason."""
    now = datetime.now(UTC)
    msgs = []
    for i in range(n):
        envelope = note_envelope(f"INC-{i % 13}", f"note {i}", at=now - timedelta(seconds=i))
        data = canonical.encode(envelope)
        subject = TOPOLOGY.event_subject(envelope.source, envelope.incident_id)
        if i % 7 == 3:
            data = data[:-1]  # invalid_json
        elif i % 7 == 5:
            subject = TOPOLOGY.event_subject("elsewhere", envelope.incident_id)  # source_mismatch
        msgs.append(Msg(_client=None, subject=subject, data=data))  # type: ignore[arg-type]
    return msgs


def test_the_packed_answer_unpacks_to_what_decoding_here_gives() -> None:
    msgs = published(50)
    here = decode_batch(msgs, TOPOLOGY, SETTINGS)
    now = datetime.now(UTC)
    packed = decode_pool._decode_packed(
        [m.data for m in msgs], [m.subject for m in msgs], TOPOLOGY, SETTINGS, now
    )
    there = decode_pool._unpacked(packed, len(msgs))
    assert [type(i) for i in there] == [type(i) for i in here.items]
    assert {i.code for i in there if isinstance(i, Rejected)} == {
        "invalid_json",
        "source_mismatch",
    }
    for mine, theirs in zip(here.items, there, strict=True):
        assert msgspec.to_builtins(mine) == msgspec.to_builtins(theirs)


def test_prepared_events_carry_the_canonical_bytes_of_their_envelope() -> None:
    envelope = note_envelope("INC-1", "hello", at=datetime.now(UTC))
    prepared = prepare(envelope)
    assert prepared.event == canonical.encode(envelope)
    assert prepare(prepared) is prepared


async def test_a_large_batch_is_decoded_by_the_worker_and_small_ones_here() -> None:
    pool = DecodePool(1, TOPOLOGY, SETTINGS)
    pool.start()
    try:
        await pool.started()
        msgs = published(MIN_BATCH + 10)
        decoded = await pool.decode(msgs)
        expected = decode_batch(msgs, TOPOLOGY, SETTINGS)
        assert msgspec.to_builtins(decoded.items) == msgspec.to_builtins(expected.items)
        assert decoded.msgs is msgs
        assert len((await pool.decode(msgs[:5])).items) == 5
    finally:
        pool.close()


async def test_a_batch_for_two_workers_is_split_by_incident_and_joined_in_order() -> None:
    msgs = published(2 * MIN_BATCH + 30)  # an incident's from two sources (one refused)
    incidents = [TOPOLOGY.incident_of(m.subject) for m in msgs]
    parts = decode_pool._parts(incidents, 2)
    assert sorted(i for part in parts for i in part) == list(range(len(msgs)))
    halves = [{incidents[i] for i in part} for part in parts]
    assert len(halves) == 2
    assert not halves[0] & halves[1]  # an incident's messages go to one worker
    pool = DecodePool(2, TOPOLOGY, SETTINGS)
    pool.start()
    try:
        await pool.started()
        decoded = await pool.decode(msgs)
        expected = decode_batch(msgs, TOPOLOGY, SETTINGS)
        assert msgspec.to_builtins(decoded.items) == msgspec.to_builtins(expected.items)
    finally:
        pool.close()


async def test_when_the_worker_dies_the_batch_is_decoded_here_and_a_new_worker_starts() -> None:
    pool = DecodePool(1, TOPOLOGY, SETTINGS)
    pool.start()
    try:
        msgs = published(MIN_BATCH)
        await pool.started()
        await pool.decode(msgs)
        assert pool._pool is not None
        for pid in list(pool._pool._processes):
            os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.5)  # the executor notices
        decoded = await pool.decode(msgs)
        assert len(decoded.items) == len(msgs)
        assert not pool.idle
        again = await pool.decode(msgs)
        assert msgspec.to_builtins(again.items) == msgspec.to_builtins(decoded.items)
    finally:
        pool.close()


async def test_until_the_worker_has_started_large_batches_are_decoded_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here: list[int] = []

    def counted(msgs: list[Msg], topology: Topology, settings: IngestSettings) -> Decoded:
        here.append(len(msgs))
        return decode_batch(msgs, topology, settings)

    monkeypatch.setattr(decode_pool, "decode_batch", counted)
    pool = DecodePool(1, TOPOLOGY, SETTINGS)
    pool.start()  # spawning a process and warming it up takes far longer than this decode
    try:
        msgs = published(MIN_BATCH)
        first = await pool.decode(msgs)
        await pool.started()
        second = await pool.decode(msgs)
        assert here == [MIN_BATCH]  # the first here, the second by the worker
        assert msgspec.to_builtins(first.items) == msgspec.to_builtins(second.items)
    finally:
        pool.close()


def test_no_workers_means_no_processes() -> None:
    pool = DecodePool(0, TOPOLOGY, SETTINGS)
    pool.start()
    assert not pool.idle
    assert pool._pool is None


class _FailingJobs:
    """A pool whose every job fails, though the pool itself is alive."""

    def submit(self, *_: object) -> Future[bytes]:
        failed: Future[bytes] = Future()
        failed.set_exception(OverflowError("the answer did not pack"))
        return failed

    def shutdown(self, **_: object) -> None:
        pass


async def test_a_job_that_fails_is_decoded_here_message_by_message() -> None:
    pool = DecodePool(1, TOPOLOGY, SETTINGS)
    pool._pool = _FailingJobs()  # type: ignore[assignment]
    started: Future[int] = Future()
    started.set_result(0)
    pool._started = [started]
    msgs = published(MIN_BATCH)
    decoded = await pool.decode(msgs)
    expected = decode_batch(msgs, TOPOLOGY, SETTINGS)
    assert msgspec.to_builtins(decoded.items) == msgspec.to_builtins(expected.items)
    assert pool._pool is not None  # the pool is kept: it was the job that failed


def test_internal_errors_found_by_a_worker_are_counted_here() -> None:
    failed = Rejected(None, "internal_error", "the ledger failed on this message (KeyError)")
    before = metrics.INTERNAL_ERRORS.labels("KeyError")._value.get()
    packed = decode_pool._pack(decode_pool._Result([], [(0, failed)]))
    assert decode_pool._unpacked(packed, 1) == [failed]
    assert metrics.INTERNAL_ERRORS.labels("KeyError")._value.get() == before + 1
