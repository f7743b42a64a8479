"""Appends requested over NATS request-reply, so that HTTP appends (from any API
instance) go through the one leading sequencer and get each event's final outcome."""

from __future__ import annotations

import msgspec
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from contracts.envelope import Envelope
from contracts.topology import Topology
from ledger.consumer import TRANSIENT
from ledger.intake import decode
from ledger.sequencer import Outcome, Rejected
from ledger.settings import IngestSettings
from ledger.writer import Writer

log = structlog.get_logger("ledger.appends")


class AppendRequest(msgspec.Struct, frozen=True):
    items: list[bytes]  # each the raw JSON of one event, as the client sent it


class AppendReply(msgspec.Struct, frozen=True):
    outcomes: list[Outcome] = msgspec.field(default_factory=list)
    error: str | None = None


_request = msgspec.msgpack.Decoder(AppendRequest)
_reply = msgspec.msgpack.Encoder()


async def _outcomes(items: list[bytes], writer: Writer, settings: IngestSettings) -> list[Outcome]:
    decoded = [decode(item, None, settings) for item in items]
    batch = await writer.append([d for d in decoded if isinstance(d, Envelope)])
    appended = iter(batch.outcomes)
    return [next(appended) if isinstance(d, Envelope) else d for d in decoded]


async def serve(
    nc: Client, writer: Writer, topology: Topology, settings: IngestSettings
) -> Subscription:
    async def on_request(msg: Msg) -> None:
        try:
            outcomes = await _outcomes(_request.decode(msg.data).items, writer, settings)
            reply = AppendReply(outcomes)
        except TRANSIENT as exc:
            reply = AppendReply(error=f"not recorded: {exc}")
        except msgspec.DecodeError as exc:
            reply = AppendReply(error=f"malformed append request: {exc}")
        for outcome in reply.outcomes:
            if isinstance(outcome, Rejected):
                log.info("append rejected", code=outcome.code, event_id=outcome.event_id)
        await msg.respond(_reply.encode(reply))

    return await nc.subscribe(topology.append_subject, queue="sequencer", cb=on_request)
