"""Write-path benchmark (issue: ledger write path). One run, one machine, synchronous_commit on:

(a) raw COPY into a table shaped like ``events``; (b) a naive pipeline: pull → COPY → ack
each message, no validation or hashing; (c) the ledger: ``ledger ingest`` draining the same
events, validated, hashed, linked, committed, acked; (d) the ``eventsourcing`` library
saving aggregates of 10 events each. Then p99 publish→commit latency at offered loads
(of good events only in the run with a malformed message before every 100th).
Last, the ledger again, each time in a fresh database: the same events alone, and with
one bad message (of several kinds, each rejected) after every 99 good ones.
The last line printed is one JSON object of figures and ratios.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats
from nats.js import api

from contracts.codec import decode_envelope
from contracts.topology import Topology
from ledger.domain.sequencer import sequence
from ledger.store.event_rows import COLUMNS
from plumbing import db, jetstream
from tests.bench import stack
from tests.bench.latency import offered_load
from tests.bench.peer import eventsourcing_rate

N = int(os.environ.get("LEDGER_BENCH_EVENTS", "50000"))


async def raw_copy(url: str, data: list[bytes]) -> float:
    envelopes = [decode_envelope(d) for d in data]
    rows = sequence(
        envelopes,
        stored={},
        heads={},
        next_position=1,
        recorded_at=datetime.now(UTC),
        origin="bench",
    ).rows
    records = [tuple(getattr(r, c) for c in COLUMNS) for r in rows]
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE raw_copy (LIKE events INCLUDING ALL)")
    started = time.perf_counter()
    for i in range(0, len(records), 2500):
        async with conn.transaction():
            await conn.copy_records_to_table(
                "raw_copy", records=records[i : i + 2500], columns=COLUMNS
            )
    elapsed = time.perf_counter() - started
    await conn.close()
    return stack.rate(len(records), elapsed)


Message = tuple[str, bytes, str]  # (subject, data, Nats-Msg-Id)


def _messages(topology: Topology, data: list[bytes]) -> list[Message]:
    messages = []
    for item in data:
        event = msgspec.json.decode(item)
        subject = topology.event_subject(event["source"], event["incident_id"])
        messages.append((subject, item, event["event_id"]))
    return messages


def _bad(topology: Topology, n: int, good: bytes) -> Message:
    """The ``n``th bad message: malformed, nested 5,000 deep, off the schema, or spoofed."""
    event = msgspec.json.decode(good)
    kind = n % 4
    if kind == 0:
        data = good[: len(good) // 2]
    elif kind == 1:
        data = b"[" * 5000 + b"]" * 5000
    elif kind == 2:
        data = msgspec.json.encode({**event, "priority": "high"})
    else:
        data = good
    source = "spoofed" if kind == 3 else event["source"]
    return topology.event_subject(source, event["incident_id"]), data, f"bad-{n}"


def with_bad(topology: Topology, data: list[bytes], every: int = 100) -> list[Message]:
    """The events, every ``every``th message a bad one (made from the good event after
    it)."""
    messages: list[Message] = []
    for good in _messages(topology, data):
        if len(messages) % every == every - 1:
            messages.append(_bad(topology, len(messages) // every, good[1]))
        messages.append(good)
    return messages


async def prefill(
    nats_url: str, topology: Topology, data: list[bytes], messages: list[Message] | None = None
) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await jetstream.ensure_topology(js, topology)
    messages = _messages(topology, data) if messages is None else messages
    for i in range(0, len(messages), 5000):
        acks = []
        for subject, item, msg_id in messages[i : i + 5000]:
            acks.append(await js.publish_async(subject, item, headers={"Nats-Msg-Id": msg_id}))
        await asyncio.gather(*acks)
    await nc.close()


async def naive(url: str, nats_url: str, data: list[bytes]) -> float:
    topology = Topology("naive")
    await prefill(nats_url, topology, data)
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE naive (seq bigint, subject text, data bytea)")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_consumer(
        topology.events_stream,
        api.ConsumerConfig(
            durable_name="naive", ack_policy=api.AckPolicy.EXPLICIT, max_ack_pending=20_000
        ),
    )
    sub = await js.pull_subscribe_bind(durable="naive", stream=topology.events_stream)
    done, started = 0, time.perf_counter()
    while done < len(data):
        msgs = await sub.fetch(1000, timeout=5)
        async with conn.transaction():
            await conn.copy_records_to_table(
                "naive", records=[(m.metadata.sequence.stream, m.subject, m.data) for m in msgs]
            )
        for m in msgs:
            await m.ack()
        done += len(msgs)
    elapsed = time.perf_counter() - started
    await nc.close()
    await conn.close()
    return stack.rate(done, elapsed)


async def ledger_rate(
    url: str, nats_url: str, data: list[bytes], namespace: str = "ledger", bad_every: int = 0
) -> tuple[float, Topology]:
    topology = Topology(namespace)
    messages = with_bad(topology, data, bad_every) if bad_every else None
    await prefill(nats_url, topology, data, messages)
    proc = stack.ingest_process(url, nats_url, topology.namespace)
    conn = await asyncpg.connect(url)
    while await stack.recorded(conn) < len(data):
        await asyncio.sleep(0.05)
    first, last = await conn.fetchrow("SELECT min(recorded_at), max(recorded_at) FROM events")
    await stack.settle(conn)  # the latency runs that follow meet no autovacuum of this load
    await conn.close()
    ledger_rate.proc = proc  # type: ignore[attr-defined]
    return stack.rate(len(data) - 1, (last - first).total_seconds()), topology


async def alone_and_with_bad(server_url: str, nats_url: str, data: list[bytes]) -> list[float]:
    """The ingest's rate (good events recorded per second) on ``data`` alone, and with one
    bad message in every 100: each measured twice, in the order alone, bad, bad, alone (a
    run's place in the sequence moves its rate on a shared machine), each in a database and
    namespace of its own; the mean of each pair."""
    rates: dict[int, list[float]] = {0: [], 100: []}
    for bad_every in (0, 100, 100, 0):
        name = f"bench_{uuid.uuid4().hex[:8]}"
        url = await db.ensure_database(server_url, name)
        await db.migrate(url)
        rate, _ = await ledger_rate(url, nats_url, data, name, bad_every)
        proc = ledger_rate.proc  # type: ignore[attr-defined]
        proc.terminate()
        proc.wait(30)
        rates[bad_every].append(rate)
    return [round(sum(r) / len(r), 1) for r in rates.values()]


async def main() -> dict[str, object]:
    data = stack.encoded(stack.events(N))
    with stack.servers() as (server_url, nats_url):
        url = await db.ensure_database(server_url, f"bench_{uuid.uuid4().hex[:8]}")
        await db.migrate(url)
        a = await raw_copy(url, data)
        b = await naive(url, nats_url, data)
        c, topology = await ledger_rate(url, nats_url, data)
        proc = ledger_rate.proc  # type: ignore[attr-defined]
        try:
            p1000 = await offered_load(nats_url, topology, 1000, stack.seconds(10))
            p5000 = await offered_load(nats_url, topology, 5000, stack.seconds(10))
            p1000_bad = await offered_load(
                nats_url, topology, 1000, stack.seconds(10), bad_every=100
            )
        finally:
            proc.terminate()
            proc.wait(30)
        d = await asyncio.to_thread(eventsourcing_rate, url, min(N, 20_000))
        clean, bad = await alone_and_with_bad(server_url, nats_url, data)
    return {
        "events": N,
        "raw_copy_eps": a,
        "naive_pipeline_eps": b,
        "ledger_eps": c,
        "eventsourcing_eps": d,
        "c_over_a": stack.ratio(c, a),
        "c_over_b": stack.ratio(c, b),
        "c_over_d": stack.ratio(c, d),
        "latency_1000_per_s": p1000,
        "latency_5000_per_s": p5000,
        "latency_1000_per_s_one_bad_in_100": p1000_bad,
        "ledger_eps_clean": clean,
        "ledger_eps_one_bad_in_100": bad,
        "bad_over_clean": stack.ratio(bad, clean),
        "targets": {
            "ledger_eps": 25000,
            "c_over_b": 1.3,
            "c_over_d": 5,
            "p99_ms_at_1000": 10,
            "p99_ms_at_5000": 30,
            "p99_ms_at_1000_one_bad_in_100": 100,
            "bad_over_clean": 0.9,
        },
    }


if __name__ == "__main__":
    figures = asyncio.run(main())
    print(msgspec.json.encode(figures).decode())
