"""``ledger project``: lead the projector (or stand by), keep the read models current, and
run the deadline-alert scheduler while leading."""

from __future__ import annotations

import asyncio
import contextlib
import functools

import asyncpg
import structlog
from nats.js import JetStreamContext

from contracts.topology import Topology
from plumbing import leader, transient
from projector import projector_metrics as metrics
from projector.follow import alerts, folding, packpins, runner
from projector.follow.packwatch import PackWatch
from projector.follow.parallel import Workers

LOCK_KEY = 7301746716318023682  # distinct from the sequencer's
CHANNEL = "ledger_events"  # the ingest NOTIFYs here after each commit: a wake-up hint only
TRANSIENT = transient.DATABASE
log = structlog.get_logger(__name__)


async def _listen(database_url: str, wake: asyncio.Event) -> asyncpg.Connection:
    """A connection of its own: a pooled one would be reset (UNLISTEN *) on release."""
    conn = await asyncpg.connect(database_url)
    await conn.add_listener(CHANNEL, lambda *_: wake.set())
    return conn


async def _chores(
    database_url: str,
    js: JetStreamContext,
    topology: Topology,
    generation: int,
    packs: PackWatch,
    streams: asyncio.Event,
) -> None:
    """Twice a second, beside the tail and on a connection of its own, so that an alert
    burst never holds the read models back: alerts, lag metrics, policy-pack reloads.
    Alerts go to a stream: the chores start once the streams exist (the folds need none)."""
    await streams.wait()
    conn = await asyncpg.connect(database_url)
    try:
        while True:
            await alerts.tick(conn, js, topology, generation)
            positions, seconds = await runner.lag(conn, generation)
            metrics.LAG_POSITIONS.set(positions)
            metrics.LAG_SECONDS.set(seconds)
            await packs.current(functools.partial(packpins.vet, conn))
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def _follow(
    conn: asyncpg.Connection,
    database_url: str,
    js: JetStreamContext,
    topology: Topology,
    packs: PackWatch,
    stop: asyncio.Event,
    workers: Workers | None,
    streams: asyncio.Event,
) -> None:
    await packs.current(functools.partial(packpins.vet, conn))  # files changed meanwhile
    await packpins.vet(conn, packs.config)  # a changed pack under an applied version: stop
    generation = await runner.prepare(conn, packs.config, workers=workers)
    cache = folding.FoldCache()
    wake = asyncio.Event()
    listener = await _listen(database_url, wake)
    chores = asyncio.create_task(_chores(database_url, js, topology, generation, packs, streams))
    try:
        while not stop.is_set():
            if chores.done():
                chores.result()  # raises what stopped it; the caller starts again
            wake.clear()  # before the step: a NOTIFY arriving meanwhile is not lost
            if await folding.step(conn, generation, packs.config, cache=cache):
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.5)  # polling covers lost NOTIFYs
    finally:
        # The error's traceback may keep this frame alive in a cycle, and the tuned
        # cyclic GC may not collect it for long: let go of the folded incidents now.
        cache.clear()
        chores.cancel()
        with contextlib.suppress(asyncio.CancelledError, *TRANSIENT):
            await chores
        await listener.close()


async def run(
    database_url: str,
    js: JetStreamContext,
    topology: Topology,
    packs: PackWatch,
    stop: asyncio.Event,
    workers: Workers | None = None,
    streams: asyncio.Event | None = None,
) -> None:
    """Lead (or stand by) until ``stop``; ``packs`` gives the policy packs, reloaded when
    their files change (the last good ones kept when a change does not load); ``streams``
    set once the streams exist (None: they do already)."""
    if streams is None:
        streams = asyncio.Event()
        streams.set()
    while not stop.is_set():
        conn = await leader.acquire(database_url, stop, key=LOCK_KEY, role="projector")
        if conn is None:
            return
        try:
            await _follow(conn, database_url, js, topology, packs, stop, workers, streams)
        except TRANSIENT as exc:
            log.error("projector stopped after an error; will try again", error=str(exc))
            await asyncio.sleep(1.0)
        finally:
            with contextlib.suppress(*TRANSIENT):
                await conn.close()
