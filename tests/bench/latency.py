"""Publish→commit latency under an offered load, measured at the confirmation subject.

The load generator is a process of its own (pinned to ``cpus`` where the machine allows),
so that its own pauses are not the ledger's: it records, for every event, when it was due
(the offered schedule) and when it was actually sent. The latency of an event is the time
from its actual send to its confirmation; the time from when it was due is reported
beside it (it holds the generator's lateness too), and so is that lateness. Both
processes read the same clock (``time.monotonic_ns``: CLOCK_MONOTONIC, system-wide)."""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection

import msgspec
import nats
from nats.aio.msg import Msg

from contracts import canonical
from contracts.scenarios import history
from contracts.topology import Topology
from tests.bench.wire_publisher import WirePublisher, frame

# event ids, due and sent (monotonic ns), and the CPU the sending took (ns)
Sent = tuple[list[str], list[int], list[int], int]


class _Confirmed(msgspec.Struct):
    event_id: str


def _messages(n: int, seed: int, topology: Topology) -> list[tuple[str, bytes, str]]:
    events = history(n, now=datetime.now(UTC), seed=seed)
    built = (canonical.to_builtins(e) for e in events)
    return [
        (topology.event_subject(str(e["source"]), str(e["incident_id"])), msgspec.json.encode(e),
         str(e["event_id"]))
        for e in built
    ]  # fmt: skip


def _generate(
    nats_url: str, topology: Topology, per_second: int, n: int, seed: int, bad_every: int,
    cpus: set[int] | None, pipe: Connection,
) -> None:  # fmt: skip
    """The generator process: ``n`` events, ready, then sent from the start it is given."""
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)
    messages = _messages(n, seed, topology)
    gc.collect()
    gc.freeze()
    gc.disable()  # its own collector pauses stay out of the schedule
    pipe.send(_send(nats_url, per_second, messages, bad_every, pipe))


def _framed(messages: list[tuple[str, bytes, str]], bad_every: int) -> list[tuple[bytes, bytes]]:
    """Each message's bytes on the wire, after a malformed one's (half of its bytes) before
    every ``bad_every``th (else nothing)."""
    framed = []
    for i, (subject, data, msg_id) in enumerate(messages):
        bad = b""
        if bad_every and i % bad_every == bad_every - 1:
            bad = frame(subject, data[: len(data) // 2], {"Nats-Msg-Id": f"bad-{msg_id}"})
        framed.append((bad, frame(subject, data, {"Nats-Msg-Id": msg_id})))
    return framed


def _send(
    nats_url: str, per_second: int, messages: list[tuple[str, bytes, str]], bad_every: int,
    pipe: Connection,
) -> Sent:  # fmt: skip
    framed = _framed(messages, bad_every)
    wire = WirePublisher(nats_url)
    due, sent = [0] * len(messages), [0] * len(messages)
    pipe.send("ready")
    start, period = pipe.recv(), 1_000_000_000 // per_second
    cpu = time.process_time_ns()
    for i, (bad, data) in enumerate(framed):
        due[i] = start + i * period
        if (ahead := due[i] - time.monotonic_ns()) > 0:
            time.sleep(ahead / 1e9)
        if bad:
            wire.send(bad)
        sent[i] = time.monotonic_ns()
        wire.send(data)
    wire.drain()
    return [m[2] for m in messages], due, sent, time.process_time_ns() - cpu


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


def _summary(per_second: int, found: Sent, confirmed: dict[str, int]) -> dict[str, float]:
    ids, due, sent, cpu = found
    kept = [i for i, event_id in enumerate(ids) if event_id in confirmed]
    latency = [(confirmed[ids[i]] - sent[i]) / 1e6 for i in kept]
    from_due = [(confirmed[ids[i]] - due[i]) / 1e6 for i in kept]
    lateness = [(s - d) / 1e6 for s, d in zip(sent, due, strict=True)]
    span = (sent[-1] - sent[0]) / 1e9 if len(sent) > 1 else 0.0
    return {
        "offered": per_second,
        "events": len(ids),
        "sent_per_s": round((len(sent) - 1) / span, 1) if span else 0.0,
        "measured": len(latency),
        "lost": len(ids) - len(latency),
        "p50_ms": percentile(latency, 0.5),
        "p99_ms": percentile(latency, 0.99),
        "p999_ms": percentile(latency, 0.999),
        "max_ms": round(max(latency), 2) if latency else 0.0,
        "mean_ms": round(sum(latency) / len(latency), 2) if latency else 0.0,
        "p99_from_due_ms": percentile(from_due, 0.99),
        "send_late_p99_ms": percentile(lateness, 0.99),
        "send_late_max_ms": round(max(lateness), 2),
        "generator_cores": round(cpu / 1e9 / span, 3) if span else 0.0,
    }


async def one_run(
    nats_url: str, topology: Topology, per_second: int, n: int, *, seed: int = 0,
    bad_every: int = 0, cpus: set[int] | None = None,
) -> dict[str, float]:  # fmt: skip
    """``n`` events offered at ``per_second`` by a generator process; their latencies."""
    confirmed: dict[str, int] = {}
    decode = msgspec.json.Decoder(_Confirmed).decode

    async def on_recorded(msg: Msg) -> None:
        confirmed[decode(msg.data).event_id] = time.monotonic_ns()

    nc = await nats.connect(nats_url)
    await nc.subscribe(topology.recorded_subject("*"), cb=on_recorded)
    await nc.flush()
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    job = (nats_url, topology, per_second, n, seed, bad_every, cpus, theirs)
    generator = multiprocessing.get_context("spawn").Process(target=_generate, args=job)
    generator.start()
    theirs.close()  # the generator's end here: its death makes ``recv`` fail, not hang
    try:
        assert await asyncio.to_thread(ours.recv) == "ready"
        gc.collect()
        gc.freeze()
        gc.disable()  # the harness's collector pauses stay out of the measured latencies
        ours.send(time.monotonic_ns() + 50_000_000)
        found: Sent = await asyncio.to_thread(ours.recv)
        deadline = time.monotonic() + 10
        while len(confirmed) < n and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        gc.enable()
        generator.join(10)
        if generator.is_alive():
            generator.terminate()
            generator.join()
        await nc.close()
    return _summary(per_second, found, confirmed)


async def offered_load(
    nats_url: str, topology: Topology, per_second: int, seconds: int, bad_every: int = 0
) -> dict[str, float]:
    """Latencies of good events; with ``bad_every``, a malformed message (half of the next
    event's bytes) is published before every ``bad_every``th event, on its subject."""
    n, seed = per_second * seconds, per_second * 1_000_003 + bad_every
    return await one_run(nats_url, topology, per_second, n, seed=seed, bad_every=bad_every)
