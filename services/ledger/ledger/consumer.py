"""The JetStream edge of the write path: pull, decode, append through the writer, settle.

The ledger reads the stream strictly in order. Where it stands is committed with the
events themselves (``ingest_offsets``); a new leader recreates the durable consumer from
there, and anything delivered again at or below it is acknowledged without a second look.
A rejected message's record (reason and raw bytes) is published to
``incidents.rejected.<source>`` before the batch commits, and the message is terminated
after: nothing leaves the stream without a record. Messages are acknowledged only after
their batch committed.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from datetime import UTC, datetime

import msgspec
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.codec import decode_envelope
from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.topology import Topology
from ledger import jetstream, metrics, transient
from ledger.puller import ConsumerGone, Puller
from ledger.reading import Reading, fresh, stream_seq
from ledger.sequencer import Batch, Outcome, Rejected
from ledger.settings import IngestSettings
from ledger.writer import Progress, Writer

log = structlog.get_logger("ledger.consumer")
TRANSIENT = (*transient.DATABASE, nats.errors.Error, ConsumerGone)


class RejectionRecord(msgspec.Struct, frozen=True):
    event_id: str | None
    code: str
    message: str
    path: str
    subject: str
    received_at: datetime
    raw: str  # base64 of the bytes as received


def decode(
    data: bytes,
    subject_source: str | None,
    settings: IngestSettings,
    subject_incident: str | None = None,
    now: datetime | None = None,
) -> Envelope | Rejected:
    """The envelope, or why it is refused; the subject's tokens must match the envelope."""
    try:
        envelope = decode_envelope(data, now=now, max_skew=settings.max_future_skew)
    except ContractError as exc:
        return Rejected(None, exc.code, exc.message, exc.path)
    if subject_incident is not None and envelope.incident_id != subject_incident:
        return Rejected(
            envelope.event_id,
            "subject_mismatch",
            f"incident_id {envelope.incident_id!r} does not match the subject's "
            f"incident token {subject_incident!r}",
            "$.incident_id",
        )
    if subject_source is not None and envelope.source != subject_source:
        return Rejected(
            envelope.event_id,
            "source_mismatch",
            f"source {envelope.source!r} does not match the subject's source "
            f"token {subject_source!r}",
            "$.source",
        )
    return envelope


async def publish_rejection(
    js: JetStreamContext, topology: Topology, msg: Msg, outcome: Rejected
) -> None:
    record = RejectionRecord(
        event_id=None if outcome.event_id is None else str(outcome.event_id),
        code=outcome.code,
        message=outcome.message,
        path=outcome.path,
        subject=msg.subject,
        received_at=datetime.now(UTC),
        raw=base64.b64encode(msg.data).decode(),
    )
    # Keyed by the message's stream sequence: publishing it again after a crash is a no-op.
    msg_id = f"{msg.metadata.stream}:{msg.metadata.sequence.stream}"
    await js.publish(
        topology.rejected_subject(topology.source_of(msg.subject)),
        msgspec.json.encode(record),
        headers={"Nats-Msg-Id": msg_id},
    )
    metrics.REJECTED.labels(outcome.code).inc()
    log.warning(
        "event rejected",
        code=outcome.code,
        path=outcome.path,
        event_id=record.event_id,
        subject=msg.subject,
        reason=outcome.message,
    )


def _merge(decoded: list[Envelope | Rejected], batch: Batch) -> list[Outcome]:
    appended = iter(batch.outcomes)
    return [next(appended) if isinstance(d, Envelope) else d for d in decoded]


class Decoded(msgspec.Struct):
    msgs: list[Msg]
    items: list[Envelope | Rejected]


def decode_batch(msgs: list[Msg], topology: Topology, settings: IngestSettings) -> Decoded:
    now = datetime.now(UTC)  # one clock reading judges the whole batch's skew
    return Decoded(
        msgs,
        [
            decode(
                m.data,
                topology.source_of(m.subject),
                settings,
                topology.incident_of(m.subject),
                now,
            )
            for m in msgs
        ],
    )


async def handle(
    decoded: Decoded, writer: Writer, js: JetStreamContext, topology: Topology
) -> None:
    msgs = decoded.msgs

    async def record_rejections(batch: Batch) -> None:
        for msg, outcome in zip(msgs, _merge(decoded.items, batch), strict=True):
            if isinstance(outcome, Rejected):
                await publish_rejection(js, topology, msg, outcome)

    progress = Progress(topology.events_stream, msgs[-1].metadata.sequence.stream)
    batch = await writer.append(
        [d for d in decoded.items if isinstance(d, Envelope)],
        progress=progress,
        before_commit=record_rejections,
    )
    for msg, outcome in zip(msgs, _merge(decoded.items, batch), strict=True):
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
    topology: Topology,
    settings: IngestSettings,
) -> tuple[Decoded | None, bool]:
    """``decoded`` joined by what arrived while the previous batch committed: at low rates
    an event then waits for one commit before its own, not two."""
    room = settings.batch - (len(decoded.msgs) if decoded else 0)
    more, gapped = await _take(puller, reading, 0, room) if room > 0 else ([], False)
    if not more:
        return decoded, gapped
    extra = decode_batch(more, topology, settings)
    if decoded is None:
        return extra, gapped
    return Decoded(decoded.msgs + extra.msgs, decoded.items + extra.items), gapped


async def consume(
    writer: Writer,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
    halt: asyncio.Event,
) -> None:
    """Read from where the ledger stands, in stream order, as a two-stage pipeline: while
    one batch is sequenced and committed, the next is received and decoded, so this
    process's CPU work overlaps PostgreSQL's. (A reason for its length: the pipeline's
    two stages and the gap restart share its state.)"""
    reading = Reading(await writer.progress(topology.events_stream))
    puller = await _reader(writer, js, topology, settings, reading.taken)
    committing: asyncio.Task[bool] | None = None
    try:
        while not halt.is_set():
            msgs, gapped = await _take(puller, reading, settings.fetch_wait, settings.batch)
            decoded = decode_batch(msgs, topology, settings) if msgs else None
            if committing is not None and not await committing:
                break
            committing = None
            if not gapped:
                decoded, gapped = await _topped_up(decoded, puller, reading, topology, settings)
            if decoded is not None:
                committing = asyncio.create_task(
                    _handle_or_halt(decoded, writer, js, topology, halt)
                )
                await asyncio.sleep(0)  # let it run up to its first wait on PostgreSQL
            if gapped:
                if committing is not None and not await committing:
                    break
                committing = None
                await puller.stop()
                puller = await _read_again(writer, js, topology, settings, reading)
        if committing is not None:
            await committing
    finally:
        if committing is not None and not committing.done():
            committing.cancel()  # an error elsewhere: the lead is being given up anyway
            with contextlib.suppress(asyncio.CancelledError, *TRANSIENT):
                await committing
        await puller.stop()


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
