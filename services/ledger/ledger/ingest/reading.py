"""Where the ingest stands in the stream, and which of a delivery's messages it may take:
those after what it has taken, without a gap."""

from __future__ import annotations

import msgspec
import structlog
from nats.aio.msg import Msg

log = structlog.get_logger(__name__)


_V1_TOKENS = 9  # $JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<ts>.<pending>


def stream_seq(msg: Msg) -> int:
    """The message's stream sequence, read from its reply subject. ``msg.metadata`` builds a
    datetime and two dataclasses per message, a cost the ingest feels; other reply forms (a
    JetStream domain's) and malformed ones go to nats-py's parser, which knows them all."""
    tokens = msg.reply.split(".", _V1_TOKENS) if msg.reply else []
    if len(tokens) == _V1_TOKENS and tokens[0] == "$JS" and tokens[1] == "ACK":
        return int(tokens[5])
    return msg.metadata.sequence.stream


async def fresh(msgs: list[Msg], last: int) -> list[Msg]:
    """Drop what the ledger already settled (redelivered after a slow batch). Deliveries
    come in stream order, so a first message past ``last`` vouches for the rest."""
    if not msgs or stream_seq(msgs[0]) > last:
        return msgs
    kept = [m for m in msgs if stream_seq(m) > last]
    if not kept:
        await msgs[-1].ack()
    return kept


def contiguous(msgs: list[Msg], after: int) -> int:
    """How many of ``msgs`` follow stream sequence ``after`` without a gap."""
    expected = after + 1
    for count, msg in enumerate(msgs):
        if stream_seq(msg) != expected:
            return count
        expected += 1
    return len(msgs)


class Reading(msgspec.Struct):
    """Where the consumer stands: the last stream sequence taken."""

    taken: int

    def usable(self, msgs: list[Msg]) -> tuple[list[Msg], bool]:
        """The gapless run of ``msgs`` after ``taken``, and whether a gap cut it short.

        Acks are cumulative ("ack all"), so a message lost in transit (a connection
        dropped mid-delivery) would be acknowledged by the next batch's ack and never come
        again: a gap means reading again from ``taken`` instead."""
        kept = contiguous(msgs, self.taken)
        return msgs[:kept], kept < len(msgs)

    def skip_to(self, first_seq: int) -> None:
        """Past messages the stream no longer holds (``first_seq``: its first), if any:
        retention removed them before they were read, so no reading brings them back."""
        if first_seq > self.taken + 1:
            log.error("messages left the stream unread", first=self.taken + 1, last=first_seq - 1)
            self.taken = first_seq - 1
