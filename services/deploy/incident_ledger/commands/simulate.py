"""``ledger simulate``: emergency-plan scenarios, or a steady load, onto JetStream."""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from datetime import UTC, datetime

import msgspec
from rich.console import Console
from rich.progress import Progress

from contracts import scenarios
from contracts.publisher import Publisher
from incident_ledger.simulation import Timed, plan
from plumbing.settings import Settings


def timeline(names: list[str], *, speed: float, incidents: int, seed: int) -> list[Timed]:
    now = datetime.now(UTC)
    runs = [plan(n, now=now, speed=speed, incidents=incidents, seed=seed) for n in names]
    return sorted(itertools.chain.from_iterable(runs), key=lambda t: t.after)


async def play(publisher: Publisher, events: list[Timed]) -> int:
    """Publish each event at its time, with a progress bar; return how many."""
    started = time.monotonic()
    with Progress(console=Console(stderr=True)) as progress:
        bar = progress.add_task("publishing", total=len(events))
        for timed in events:
            delay = timed.after - (time.monotonic() - started)
            if delay > 0:
                await asyncio.sleep(delay)
            await publisher.publish(timed.envelope)
            progress.advance(bar)
    return len(events)


async def steady(publisher: Publisher, rate: float, duration: float, seed: int) -> int:
    """About ``rate`` events a second, cycling through every scenario, backdated."""
    names, sent, started = scenarios.scenario_names(), 0, time.monotonic()
    for round_ in itertools.count():
        if time.monotonic() - started >= duration:
            break
        for timed in plan(
            names[round_ % len(names)], now=datetime.now(UTC), speed=math.inf, seed=seed + round_
        ):
            await publisher.publish(timed.envelope)
            sent += 1
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                await asyncio.sleep(ahead)
    return sent


class Run(msgspec.Struct, frozen=True, kw_only=True):
    """What ``ledger simulate`` was asked for."""

    names: list[str]
    speed: float
    incidents: int
    rate: float | None
    duration: float
    seed: int


async def _simulate(settings: Settings, nats_url: str, run: Run) -> int:
    publisher = await Publisher.connect(
        nats_url, namespace=settings.nats.namespace, name="ledger-simulate"
    )
    try:
        if run.rate is not None:
            return await steady(publisher, run.rate, run.duration, run.seed)
        events = timeline(run.names, speed=run.speed, incidents=run.incidents, seed=run.seed)
        return await play(publisher, events)
    finally:
        await publisher.close()


def run_simulation(settings: Settings, nats_url: str, run: Run) -> int:
    return asyncio.run(_simulate(settings, nats_url, run))
