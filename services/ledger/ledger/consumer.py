"""The JetStream edge of the write path: pull, decode, append through the writer, settle.

Messages are acknowledged only after their batch committed. A rejected message is first
published, with its reason and raw bytes, to ``incidents.rejected.<source>`` (a retained
stream) and only then terminated: nothing leaves the stream without a record.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats.errors
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.codec import decode_envelope
from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.topology import Topology
from ledger import metrics
from ledger.sequencer import Outcome, Rejected
from ledger.settings import IngestSettings
from ledger.writer import Writer

log = structlog.get_logger("ledger.consumer")
TRANSIENT = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)


class RejectionRecord(msgspec.Struct, frozen=True):
    event_id: str | None
    code: str
    message: str
    path: str
    subject: str
    received_at: datetime
    raw: str  # base64 of the bytes as received


def decode(
    data: bytes, subject_source: str | None, settings: IngestSettings
) -> Envelope | Rejected:
    try:
        envelope = decode_envelope(data, max_skew=settings.max_future_skew)
    except ContractError as exc:
        return Rejected(None, exc.code, exc.message, exc.path)
    if subject_source is not None and envelope.source != subject_source:
        return Rejected(
            envelope.event_id,
            "source_mismatch",
            f"source {envelope.source!r} does not match the subject's source "
            f"token {subject_source!r}",
            "$.source",
        )
    return envelope


async def reject(js: JetStreamContext, topology: Topology, msg: Msg, outcome: Rejected) -> None:
    record = RejectionRecord(
        event_id=None if outcome.event_id is None else str(outcome.event_id),
        code=outcome.code,
        message=outcome.message,
        path=outcome.path,
        subject=msg.subject,
        received_at=datetime.now(UTC),
        raw=base64.b64encode(msg.data).decode(),
    )
    await js.publish(
        topology.rejected_subject(topology.source_of(msg.subject)), msgspec.json.encode(record)
    )
    metrics.REJECTED.labels(outcome.code).inc()
    log.warning(
        "event rejected",
        code=outcome.code,
        path=outcome.path,
        event_id=record.event_id,
        reason=outcome.message,
    )
    await msg.term()


async def _settle(
    msgs: list[Msg], outcomes: list[Outcome], js: JetStreamContext, topology: Topology
) -> None:
    """Terminate each rejected message once its rejection is on record, then ack the last
    accepted one, which (ack policy "all") acks every message before it."""
    last_accepted = None
    for msg, outcome in zip(msgs, outcomes, strict=True):
        if isinstance(outcome, Rejected):
            await reject(js, topology, msg, outcome)
        else:
            last_accepted = msg
    if last_accepted is not None:
        await last_accepted.ack()


async def handle(
    msgs: list[Msg],
    writer: Writer,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
) -> None:
    decoded = [decode(m.data, topology.source_of(m.subject), settings) for m in msgs]
    batch = await writer.append([d for d in decoded if isinstance(d, Envelope)])
    appended = iter(batch.outcomes)
    outcomes = [next(appended) if isinstance(d, Envelope) else d for d in decoded]
    await _settle(msgs, outcomes, js, topology)
    metrics.BATCH_SIZE.observe(len(msgs))
    metrics.PENDING.set(msgs[-1].metadata.num_pending)


async def _fetch(sub: JetStreamContext.PullSubscription, settings: IngestSettings) -> list[Msg]:
    try:
        return await sub.fetch(settings.batch, timeout=settings.fetch_wait)
    except (nats.errors.TimeoutError, TimeoutError):
        return []  # idle: nothing arrived within the wait, which is normal


async def consume(
    writer: Writer,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
    halt: asyncio.Event,
) -> None:
    """Fetch the next batch while the current one commits: parsing messages (this
    process's CPU) overlaps with PostgreSQL's work (the server's)."""
    sub = await js.pull_subscribe_bind(
        durable=topology.ingest_consumer, stream=topology.events_stream
    )
    ahead = asyncio.create_task(_fetch(sub, settings))
    try:
        while not halt.is_set():
            msgs = await ahead
            ahead = asyncio.create_task(_fetch(sub, settings))
            if msgs:
                await _handle_or_redeliver(msgs, writer, js, topology, settings, halt)
    finally:
        await _release(ahead)
        await sub.unsubscribe()


async def _release(ahead: asyncio.Task[list[Msg]]) -> None:
    """Hand back a prefetched batch that will not be processed, for prompt redelivery."""
    if not ahead.done():
        ahead.cancel()
        return
    if ahead.exception() is None:
        for msg in ahead.result():
            await msg.nak()


async def _handle_or_redeliver(
    msgs: list[Msg],
    writer: Writer,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
    halt: asyncio.Event,
) -> None:
    try:
        await handle(msgs, writer, js, topology, settings)
    except TRANSIENT as exc:
        log.error(
            "batch not recorded; it will be redelivered",
            error=str(exc) or repr(exc),
            size=len(msgs),
        )
        for msg in msgs:
            await msg.nak(delay=1.0)
        halt.set()  # the writer's connection is suspect: re-establish leadership
