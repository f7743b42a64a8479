"""The JetStream edge of the write path: pull, decode, append through the writer, settle.

The ledger reads the stream strictly in order. Where it stands is committed with the
events themselves (``ingest_offsets``); a new leader recreates the durable consumer from
there, and anything delivered again at or below it is acknowledged without a second look.
A rejected message's record (``ledger.ingest.intake``) is published before the batch commits, and
the message is terminated after: nothing leaves the stream without a record. Recorded
events are confirmed once the batch committed (``ledger.ingest.confirmations``). Messages are
acknowledged only after their batch committed (``ledger.ingest.settling``).

A batch that fails for a reason the ledger does not know (a defect one message meets) is
not acknowledged and does not cost the lead: the ledger reads again from its position,
taking that batch's messages one at a time, and the one that fails alone is rejected as
``internal_error``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg

from contracts.topology import Topology
from ledger.domain.stalls import DECODE, FETCH, TURN
from ledger.ingest.decode_pool import DecodePool
from ledger.ingest.intake import Decoded
from ledger.ingest.puller import ConsumerGone, Puller
from ledger.ingest.reading import Reading, fresh, stream_seq
from ledger.ingest.settling import Abandoned, Recovery, handle, reject_alone
from ledger.ingest.stall_log import StallWatch
from ledger.store.cycle_marks import Cycle
from ledger.store.subject_keys import WrongMasterKey
from ledger.store.writer import Writer
from plumbing import jetstream, transient
from plumbing.settings import IngestSettings

log = structlog.get_logger(__name__)
TRANSIENT = (*transient.DATABASE_OR_NATS, ConsumerGone, WrongMasterKey)
"""What fails a batch without judging its messages: it is read again from the ledger's
position (``WrongMasterKey``: the master key was rotated under a running ingest, whose
sealing is refused until it runs with the new one)."""


async def _reader(nc: Client, topology: Topology, settings: IngestSettings, after: int) -> Puller:
    await jetstream.restart_consumer(nc.jetstream(), topology, after + 1)
    puller = Puller(nc, topology, settings.batch)
    await puller.start()
    log.info("consuming", stream=topology.events_stream, after=after)
    return puller


async def _read_again(
    writer: Writer,
    nc: Client,
    topology: Topology,
    settings: IngestSettings,
    reading: Reading,
    recovery: Recovery,
) -> Puller:
    """A fresh consumer from what was taken, after a delivery that skipped or repeated
    sequences (past what the stream no longer holds, if that is why), or from the ledger's
    position after a batch failed."""
    if recovery.failed:
        reading.taken, recovery.failed = await writer.progress(topology.events_stream), False
    else:
        log.warning("a delivery was not in sequence; reading again", after=reading.taken)
    info = await nc.jetstream().stream_info(topology.events_stream)
    reading.skip_to(info.state.first_seq)
    return await _reader(nc, topology, settings, reading.taken)


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
    cycle: Cycle,
) -> tuple[Decoded | None, bool]:
    """``decoded`` joined by what arrived while the previous batch committed: at low rates
    an event then waits for one commit before its own, not two."""
    room = settings.batch - (len(decoded.msgs) if decoded else 0)
    more, gapped = await _take(puller, reading, 0, room) if room > 0 else ([], False)
    cycle.mark(FETCH)
    if not more:
        return decoded, gapped
    extra = await decoder.decode(more)
    cycle.mark(DECODE)
    if decoded is None:
        return extra, gapped
    return Decoded(decoded.msgs + extra.msgs, decoded.items + extra.items), gapped


async def consume(
    writer: Writer,
    nc: Client,
    topology: Topology,
    settings: IngestSettings,
    halt: asyncio.Event,
    decoder: DecodePool,
) -> None:
    """Read from where the ledger stands, in stream order, as a pipeline: while batches are
    committed, the next is received and decoded, so this process's CPU work overlaps
    PostgreSQL's; and it is handed to the writer as soon as the one before has been taken,
    to be sequenced while that one is sent and sent while it commits
    (``ledger.store.lanes``)."""
    reading = Reading(await writer.progress(topology.events_stream))
    puller = await _reader(nc, topology, settings, reading.taken)
    inflight: deque[asyncio.Task[bool]] = deque()
    recovery, watch = Recovery(), StallWatch(settings.stall_ms)
    try:
        while not halt.is_set():
            careful, cycle = recovery.careful(reading.taken), watch.cycle()
            limit = 1 if careful else settings.batch
            msgs, gapped = await _take(puller, reading, settings.fetch_wait, limit)
            cycle.idle(puller.waited_ns)
            cycle.mark(FETCH)
            decoded = await decoder.decode(msgs) if msgs else None
            cycle.mark(DECODE)
            await _room(inflight, writer)
            cycle.mark(TURN)
            if halt.is_set():
                break
            if not (gapped or careful or recovery.failed):
                decoded, gapped = await _topped_up(
                    decoded, puller, reading, decoder, settings, cycle
                )
            if decoded is not None and not recovery.failed:
                timed = (watch, cycle)
                handling = _handle_or_halt(decoded, writer, nc, topology, halt, recovery, timed)
                inflight.append(asyncio.create_task(handling))
                await asyncio.sleep(0)  # let it take its turn and run up to its first wait
            if gapped or careful or recovery.failed:
                await _drained(inflight)  # one at a time, while careful
                if halt.is_set():
                    break
            if gapped or recovery.failed:
                await puller.stop()
                puller = await _read_again(writer, nc, topology, settings, reading, recovery)
        await _drained(inflight)
    finally:
        for task in inflight:
            if not task.done():
                task.cancel()  # an error elsewhere: the lead is being given up anyway
        with contextlib.suppress(asyncio.CancelledError, *TRANSIENT):
            await asyncio.gather(*inflight)
        await puller.stop()


async def _room(inflight: deque[asyncio.Task[bool]], writer: Writer) -> bool:
    """Wait until the writer would take a batch at once: the batches before taken in
    order, and a lane free (False if a batch failed)."""
    await writer.free()
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
    decoded: Decoded,
    writer: Writer,
    nc: Client,
    topology: Topology,
    halt: asyncio.Event,
    recovery: Recovery,
    timed: tuple[StallWatch, Cycle],
) -> bool:
    try:
        try:
            await handle(decoded, writer, nc, topology, recovery, timed[1])
            timed[0].finish(timed[1], len(decoded.msgs))
        except TRANSIENT:
            raise
        except Abandoned:
            return False  # read again, as the failed batch before it is
        except Exception as exc:  # a defect: found, message by message, not looped over
            if len(decoded.msgs) > 1 or not recovery.careful(stream_seq(decoded.msgs[0]) - 1):
                recovery.failed_batch(decoded, exc)
                return False
            await reject_alone(decoded.msgs[0], exc, writer, nc, topology)
        return True
    except TRANSIENT as exc:
        log.error(
            "batch not recorded; resuming from the ledger's position",
            error=str(exc) or repr(exc),
            size=len(decoded.msgs),
        )
        halt.set()  # leadership and the consumer are re-established from the ledger
        return False
