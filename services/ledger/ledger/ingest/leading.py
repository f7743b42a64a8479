"""``ledger ingest``: lead the sequencer (or stand by), consume JetStream and serve
append requests while leading; on losing the lead, stop writing and stand by again."""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from nats.aio.client import Client

from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.ingest import consumer, warm
from ledger.ingest import request_reply as appends
from ledger.ingest.decode_pool import DecodePool
from ledger.ingest.worker_sealing import SealingTarget
from ledger.store import sealed_writes
from ledger.store.sealer import Sealer
from ledger.store.sealing import MasterKey
from ledger.store.writer import Writer
from plumbing import leader, startup
from plumbing.settings import IngestSettings
from plumbing.tuning import tune_gc

log = structlog.get_logger(__name__)


async def _lead(
    writer: Writer,
    nc: Client,
    topology: Topology,
    settings: IngestSettings,
    stop: asyncio.Event,
    decoder: DecodePool,
    streams: asyncio.Event,
) -> None:
    halt = asyncio.Event()
    relay = asyncio.create_task(_relay(stop, halt))
    watcher = asyncio.create_task(leader.watch(writer.ping, halt))
    requests = None
    metrics.LEADER.set(1)
    try:
        # Led first, then the streams: found at once unless this is the very first start
        # (runtime: declared beside the services, not before them).
        if await startup.unless(halt, streams.wait()) is None:
            return
        for lane in writer.lanes.all:
            await warm.statements(lane.conn)
        tune_gc()  # what the warm-up imported and built, frozen too: a full collection
        # over it would hold the ingest
        requests = await appends.serve(nc, writer, topology, settings)
        # A backlog's first batch would otherwise be decoded here, at half the pace, or
        # (a small one first) wait for the worker after one record: either way the first
        # half second would go at a fraction of the rate
        await decoder.started()
        await consumer.consume(writer, nc, topology, settings, halt, decoder)
    except consumer.TRANSIENT as exc:
        log.error("stopped leading after an error; will try again", error=str(exc) or repr(exc))
    except Exception:  # a defect: stay up and retry, so the ledger keeps a writer
        log.exception("stopped leading after an unexpected error; will try again")
    finally:
        metrics.LEADER.set(0)
        halt.set()
        for task in (relay, watcher):
            task.cancel()
        await writer.close()
        if writer.sealer is not None:
            await writer.sealer.close()
        if requests is not None:
            with contextlib.suppress(*consumer.TRANSIENT):
                await requests.unsubscribe()


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


async def run(
    database_url: str,
    nc: Client,
    topology: Topology,
    settings: IngestSettings,
    stop: asyncio.Event,
    streams: asyncio.Event | None = None,
    master: MasterKey | None = None,
) -> None:
    """Lead (or stand by) until ``stop``; ``streams``: set once the streams exist (unset
    until then; None: they do already); ``master``: the key that wraps the data subjects'
    keys (None: personal values are recorded as published, as before sealing existed)."""
    if streams is None:
        streams = asyncio.Event()
        streams.set()
    sealing = None if master is None else SealingTarget(database_url, master)
    decoder = DecodePool(settings.decode_workers, topology, settings, sealing)
    warmed = False
    try:
        while not stop.is_set():
            conn = await leader.acquire(database_url, stop)
            if conn is None:
                return
            if not warmed:
                warm.codecs(topology, settings)
                warmed = True
            if decoder.idle:
                decoder.start()  # on first taking the lead: a standby that never led has no workers
            second = await leader.second_lane(database_url) if settings.lanes > 1 else None
            sealer = None
            if master is not None:
                sealer = Sealer(await sealed_writes.connect(database_url), master)
            writer = Writer(conn, settings.origin, settings.merkle_log, second, sealer)
            await _lead(writer, nc, topology, settings, stop, decoder, streams)
            if not stop.is_set():
                log.warning("no longer leading; standing by")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
    finally:
        decoder.close()
