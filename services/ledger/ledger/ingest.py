"""The NATS edge of the write path: pull, decode, append through the sequencer, then ack.

Messages are acknowledged only after their batch committed; a rejected message is first
published, with its reason and raw bytes, to ``incidents.rejected.<source>`` and only then
terminated, so nothing is ever dropped without a record.
"""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.codec import decode_envelope
from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.topology import Topology
from ledger import logging, metrics, store
from ledger.sequencer import Outcome, Recorded, Rejected
from ledger.settings import IngestSettings

log = logging.get("ledger.ingest")


class RejectionRecord(msgspec.Struct, frozen=True):
    event_id: str | None
    code: str
    message: str
    path: str
    subject: str
    received_at: datetime
    raw: str  # base64 of the bytes as received


def _decode(msg: Msg, topology: Topology, settings: IngestSettings) -> Envelope | Rejected:
    try:
        envelope = decode_envelope(msg.data, max_skew=settings.max_future_skew)
    except ContractError as exc:
        return Rejected(None, exc.code, exc.message, exc.path)
    source = topology.source_of(msg.subject)
    if envelope.source != source:
        return Rejected(
            envelope.event_id,
            "source_mismatch",
            f"source {envelope.source!r} does not match subject source {source!r}",
            "$.source",
        )
    return envelope


async def _reject(js: JetStreamContext, topology: Topology, msg: Msg, outcome: Rejected) -> None:
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


async def _settle(js: JetStreamContext, topology: Topology, msg: Msg, outcome: Outcome) -> None:
    if isinstance(outcome, Rejected):
        await _reject(js, topology, msg, outcome)
        return
    await msg.ack()
    if isinstance(outcome, Recorded):
        await js._nc.publish(
            topology.recorded_subject(outcome.incident_id), msgspec.json.encode(outcome)
        )


async def handle_batch(
    msgs: list[Msg],
    *,
    pool: asyncpg.Pool,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
) -> None:
    decoded = [_decode(m, topology, settings) for m in msgs]
    envelopes = [d for d in decoded if isinstance(d, Envelope)]
    async with pool.acquire() as conn:
        batch = await store.append(conn, envelopes, origin=settings.origin)
    outcomes = iter(batch.outcomes)
    for msg, item in zip(msgs, decoded, strict=True):
        await _settle(js, topology, msg, next(outcomes) if isinstance(item, Envelope) else item)
    metrics.APPENDED.inc(len(batch.rows))
    metrics.BATCH_SIZE.observe(len(msgs))


async def run(
    pool: asyncpg.Pool,
    js: JetStreamContext,
    topology: Topology,
    settings: IngestSettings,
    stop: asyncio.Event,
) -> None:
    sub = await js.pull_subscribe_bind(
        durable=topology.ingest_consumer, stream=topology.events_stream
    )
    log.info("ingest started", stream=topology.events_stream)
    while not stop.is_set():
        try:
            msgs = await sub.fetch(settings.batch, timeout=settings.fetch_wait)
        except (nats.errors.TimeoutError, TimeoutError):
            continue  # idle: no messages within the wait, which is normal
        try:
            await handle_batch(msgs, pool=pool, js=js, topology=topology, settings=settings)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.error("batch not recorded; redelivering", error=str(exc), size=len(msgs))
            for msg in msgs:
                await msg.nak(delay=1.0)
            await asyncio.sleep(1.0)
    await sub.unsubscribe()
