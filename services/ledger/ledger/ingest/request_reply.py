"""Appends requested over NATS request-reply, so that HTTP appends (from any API
instance) go through the one leading sequencer and get each event's final outcome.

The sequencer is the one judge of every event: it decodes each, refuses those whose
``source`` the caller's token may not publish as (``source_mismatch``) and those the API
found too large to carry (``oversize``), and publishes every rejection's record before
it answers, and every recorded event's confirmation once it committed."""

from __future__ import annotations

import msgspec
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from contracts.envelope import Envelope
from contracts.limits import DEFAULT_LIMITS
from contracts.outcomes import AppendReply, AppendRequest, Outcome, Rejected
from contracts.topology import Topology
from ledger.domain.sequencer import in_arrival_order
from ledger.ingest import confirmations, http_rejections
from ledger.ingest.intake import decode, reserved
from ledger.store.writer import Writer
from plumbing.settings import IngestSettings
from plumbing.transient import DATABASE_OR_NATS as TRANSIENT

log = structlog.get_logger(__name__)
_request = msgspec.msgpack.Decoder(AppendRequest)
_reply = msgspec.msgpack.Encoder()


def judge(index: int, request: AppendRequest, settings: IngestSettings) -> Envelope | Rejected:
    """The event at ``index``, or why it is refused."""
    size = request.oversize.get(index)
    if size is not None:
        limit = DEFAULT_LIMITS.max_envelope_bytes
        return Rejected(None, "oversize", f"envelope is {size} bytes; the limit is {limit}")
    decoded = decode(request.items[index], None, settings)
    allowed = request.sources
    if isinstance(decoded, Rejected) or allowed is None:
        return decoded  # a trusted caller's (the ledger's own) may be anything
    if (refused := reserved(decoded)) is not None:
        return refused
    if decoded.source in allowed:
        return decoded
    return Rejected(
        decoded.event_id,
        "source_mismatch",
        f"source {decoded.source!r} is not one this token may publish as",
        "$.source",
    )


async def _outcomes(
    request: AppendRequest, writer: Writer, nc: Client, js: JetStreamContext,
    topology: Topology, settings: IngestSettings,
) -> list[Outcome]:  # fmt: skip
    decoded = [judge(i, request, settings) for i in range(len(request.items))]
    batch = await writer.append([d for d in decoded if isinstance(d, Envelope)])
    await confirmations.publish(nc, topology, batch)
    outcomes = in_arrival_order(decoded, batch.outcomes)
    refused = [
        (raw, d.source if isinstance(d, Envelope) else http_rejections.claimed_source(raw), o)
        for raw, d, o in zip(request.items, decoded, outcomes, strict=True)
        if isinstance(o, Rejected)
    ]
    if refused:  # published before the answer: a publisher told "rejected" finds its record
        await http_rejections.publish(js, topology, refused, request.sources)
    return outcomes


async def serve(
    nc: Client, writer: Writer, topology: Topology, settings: IngestSettings
) -> Subscription:
    js = nc.jetstream()

    async def on_request(msg: Msg) -> None:
        try:
            request = _request.decode(msg.data)
            outcomes = await _outcomes(request, writer, nc, js, topology, settings)
            reply = AppendReply(outcomes)
        except TRANSIENT as exc:
            reply = AppendReply(error=f"not recorded: {exc}")
        except msgspec.DecodeError as exc:
            reply = AppendReply(error=f"malformed append request: {exc}")
        except Exception as exc:  # a bug: answer now (503), not after the caller's timeout
            log.error("append failed", error=type(exc).__name__)
            reply = AppendReply(error=f"not recorded: internal error ({type(exc).__name__})")
        await msg.respond(_reply.encode(reply))

    return await nc.subscribe(topology.append_subject, queue="sequencer", cb=on_request)
