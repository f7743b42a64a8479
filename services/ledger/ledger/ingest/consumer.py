"""The JetStream edge of the write path: pull, decode, append through the writer, settle.

The ledger reads the stream strictly in order. Where it stands is committed with the
events themselves (``ingest_offsets``); a new leader recreates the durable consumer from
there, and anything delivered again at or below it is acknowledged without a second look.
A rejected message's record (``ledger.ingest.intake``) is published before the batch commits, and
the message is terminated after: nothing leaves the stream without a record. Messages are
acknowledged only after their batch committed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.outcomes import Rejected
from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import Batch, in_arrival_order
from ledger.ingest.decode_pool import DecodePool
from ledger.ingest.intake import Decoded, publish_rejection
from ledger.ingest.puller import ConsumerGone, Puller
from ledger.ingest.reading import Reading, fresh, stream_seq
from ledger.store.writer import StreamOffset, Writer
from plumbing import jetstream, transient
from plumbing.settings import IngestSettings

log = structlog.get_logger(__name__)
TRANSIENT = (*transient.DATABASE_OR_NATS, ConsumerGone)


async def handle(
    decoded: Decoded, writer: Writer, js: JetStreamContext, topology: Topology
) -> None:
    msgs = decoded.msgs

    async def record_rejections(batch: Batch) -> None:
        for msg, outcome in zip(msgs, in_arrival_order(decoded.items, batch.outcomes), strict=True):
            if isinstance(outcome, Rejected):
                await publish_rejection(js, topology, msg, outcome)

    progress = StreamOffset(topology.events_stream, stream_seq(msgs[-1]))
    batch = await writer.append(
        [d for d in decoded.items if isinstance(d, Prepared)],
        progress=progress,
        before_commit=record_rejections,
    )
    for msg, outcome in zip(msgs, in_arrival_order(decoded.items, batch.outcomes), strict=True):
        if isinstance(outcome, Rejected):
            await msg.term()
    await msgs[-1].ack()  # ack policy "all": the whole batch
    metrics.BATCH_SIZE.observe(len(msgs))
    metrics.PENDING.set(msgs[-1].metadata.num_pending)


async def _reader(
    writer: Writer, js: JetStreamContext, topology: Topology, settings: IngestSettings, after: int
) -> Puller:
    await jetstream.restart_consumer(js, topology, after + 1)
    puller = Puller(writer.nc, topology, settings.batch)
    await puller.start()
    log.info("consuming", stream=topology.events_stream, after=after)
    return puller


async def _read_again(
    writer: Writer,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
    reading: Reading,
) -> Puller:
    """A fresh consumer from what was taken, after a delivery that skipped or repeated
    sequences; past what the stream no longer holds, if that is why."""
    log.warning("a delivery was not in sequence; reading again", after=reading.taken)
    reading.skip_to((await js.stream_info(topology.events_stream)).state.first_seq)
    return await _reader(writer, js, topology, settings, reading.taken)


async def _take(
    puller: Puller, reading: Reading, wait: float, limit: int
) -> tuple[list[Msg], bool]:
    """The next gapless run after what was taken (now taken), and whether a gap cut it."""
    msgs, gapped = reading.usable(await fresh(await puller.take(wait, limit), reading.taken))
    if msgs:
        reading.taken = stream_seq(msgs[-1])
    return msgs, gapped


async def _topped_up(
    decoded: Decoded | None,
    puller: Puller,
    reading: Reading,
    decoder: DecodePool,
    settings: IngestSettings,
) -> tuple[Decoded | None, bool]:
    """``decoded`` joined by what arrived while the previous batch committed: at low rates
    an event then waits for one commit before its own, not two."""
    room = settings.batch - (len(decoded.msgs) if decoded else 0)
    more, gapped = await _take(puller, reading, 0, room) if room > 0 else ([], False)
    if not more:
        return decoded, gapped
    extra = await decoder.decode(more)
    if decoded is None:
        return extra, gapped
    return Decoded(decoded.msgs + extra.msgs, decoded.items + extra.items), gapped


async def consume(
    writer: Writer,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
    halt: asyncio.Event,
    decoder: DecodePool,
) -> None:
    """Read from where the ledger stands, in stream order, as a pipeline: while batches are
    committed, the next is received and decoded, so this process's CPU work overlaps
    PostgreSQL's; and it is handed to the writer as soon as the one before has been
    sequenced, to be sent while that one commits (``ledger.store.lanes``)."""
    reading = Reading(await writer.progress(topology.events_stream))
    puller = await _reader(writer, js, topology, settings, reading.taken)
    inflight: deque[asyncio.Task[bool]] = deque()
    try:
        while not halt.is_set():
            msgs, gapped = await _take(puller, reading, settings.fetch_wait, settings.batch)
            decoded = await decoder.decode(msgs) if msgs else None
            if not await _room(inflight, writer):
                break
            if not gapped:
                decoded, gapped = await _topped_up(decoded, puller, reading, decoder, settings)
            if decoded is not None:
                inflight.append(
                    asyncio.create_task(_handle_or_halt(decoded, writer, js, topology, halt))
                )
                await asyncio.sleep(0)  # let it take its turn and run up to its first wait
            if gapped:
                if not await _drained(inflight):
                    break
                await puller.stop()
                puller = await _read_again(writer, js, topology, settings, reading)
        await _drained(inflight)
    finally:
        for task in inflight:
            if not task.done():
                task.cancel()  # an error elsewhere: the lead is being given up anyway
        with contextlib.suppress(asyncio.CancelledError, *TRANSIENT):
            await asyncio.gather(*inflight)
        await puller.stop()


async def _room(inflight: deque[asyncio.Task[bool]], writer: Writer) -> bool:
    """Wait until the writer would send a batch at once: the batches before sequenced, and
    a lane free (False if a batch failed)."""
    await writer.lanes.free()
    while inflight and (inflight[0].done() or len(inflight) >= len(writer.lanes.all)):
        if not await inflight.popleft():
            return False
    return True


async def _drained(inflight: deque[asyncio.Task[bool]]) -> bool:
    """Wait for every batch in flight (False if one failed)."""
    ok = True
    while inflight:
        ok = await inflight.popleft() and ok
    return ok


async def _handle_or_halt(
    decoded: Decoded, writer: Writer, js: JetStreamContext, topology: Topology, halt: asyncio.Event
) -> bool:
    try:
        await handle(decoded, writer, js, topology)
        return True
    except TRANSIENT as exc:
        log.error(
            "batch not recorded; resuming from the ledger's position",
            error=str(exc) or repr(exc),
            size=len(decoded.msgs),
        )
        halt.set()  # leadership and the consumer are re-established from the ledger
        return False
