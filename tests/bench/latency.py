"""Publish→commit latency under an offered load, measured at the confirmation subject."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from datetime import UTC, datetime

import msgspec
import nats

from contracts import canonical
from contracts.topology import Topology
from incident_ledger.simulation import history


def _events(n: int, seed: int) -> list[dict[str, object]]:
    return [canonical.to_builtins(e) for e in history(n, now=datetime.now(UTC), seed=seed)]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def offered_load(
    nats_url: str, topology: Topology, per_second: int, seconds: int, bad_every: int = 0
) -> dict[str, float]:
    """Latencies of good events; with ``bad_every``, a malformed message (half of the next
    event's bytes) is published before every ``bad_every``th event, on its subject."""
    events = _events(per_second * seconds, seed=per_second * 1_000_003 + bad_every)
    gc.collect()
    gc.freeze()  # keep the harness's own collector pauses out of the measured latencies:
    gc.disable()  # frozen, the old objects are not scanned; disabled, nothing is (re-enabled below)
    try:
        return await _measure(nats_url, topology, per_second, events, bad_every)
    finally:
        gc.enable()


async def _measure(
    nats_url: str,
    topology: Topology,
    per_second: int,
    events: list[dict[str, object]],
    bad_every: int,
) -> dict[str, float]:
    sent: dict[str, float] = {}
    latencies: list[float] = []
    nc = await nats.connect(nats_url)
    js = nc.jetstream()

    async def on_recorded(msg: nats.aio.msg.Msg) -> None:
        event_id = msgspec.json.decode(msg.data)["event_id"]
        if event_id in sent:
            latencies.append((time.perf_counter() - sent.pop(event_id)) * 1000)

    await nc.subscribe(topology.recorded_subject("*"), cb=on_recorded)
    started = time.perf_counter()
    for i, event in enumerate(events):
        due = started + i / per_second
        if due > time.perf_counter():
            await asyncio.sleep(due - time.perf_counter())
        subject = topology.event_subject(str(event["source"]), str(event["incident_id"]))
        data = msgspec.json.encode(event)
        if bad_every and i % bad_every == bad_every - 1:
            await js.publish_async(
                subject, data[: len(data) // 2], headers={"Nats-Msg-Id": f"bad-{i}"}
            )
        sent[str(event["event_id"])] = time.perf_counter()
        await js.publish_async(subject, data, headers={"Nats-Msg-Id": str(event["event_id"])})
    deadline = time.perf_counter() + 10
    while sent and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await nc.close()
    return {
        "offered": per_second,
        "measured": len(latencies),
        "lost": len(sent),
        "p50_ms": _percentile(latencies, 0.5),
        "p99_ms": _percentile(latencies, 0.99),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else 0.0,
    }
