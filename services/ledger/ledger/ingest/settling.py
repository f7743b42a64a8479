"""Settling a batch with JetStream once the writer has judged it, and finding the one
message at fault when a batch fails for no reason the ledger knows.

The ingest consumer acknowledges "all": acknowledging a message acknowledges every one
before it. ``term`` is such an acknowledgement too (nats-server's ``processTerm`` runs
the ack first, then sends the terminated advisory), so a batch whose last message was
rejected is settled by that message's ``term``, and acknowledging it again would raise
(nats-py refuses a second acknowledgement of one message).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import msgspec
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from contracts.outcomes import Outcome, Rejected
from contracts.topology import Topology
from ledger import ledger_metrics as metrics
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import Batch, in_arrival_order
from ledger.domain.stalls import ACK, CONFIRM
from ledger.ingest import confirmations
from ledger.ingest.defects import frames, internal_error
from ledger.ingest.intake import Decoded, publish_rejection
from ledger.ingest.reading import stream_seq
from ledger.store.cycle_marks import UNMARKED, Cycle
from ledger.store.writer import StreamOffset, Writer

log = structlog.get_logger(__name__)


class Recovery(msgspec.Struct):
    """After a batch failed unexpectedly: up to which stream sequence messages are taken
    one at a time (``until``), and whether the reading must start again from the ledger's
    position (``failed``)."""

    until: int = 0
    failed: bool = False

    def careful(self, taken: int) -> bool:
        """Whether the next message is one of a failed batch's, to be handled alone."""
        return taken < self.until

    def failed_batch(self, decoded: Decoded, exc: Exception) -> None:
        log.error(
            "batch not recorded after an unexpected error; taking its messages one at a time",
            error=type(exc).__name__,
            frames=frames(exc),
            size=len(decoded.msgs),
        )
        self.until = max(self.until, stream_seq(decoded.msgs[-1]))
        self.failed = True


class Abandoned(Exception):
    """A batch given up before its commit, because one before it failed."""


async def _publish_all(
    js: JetStreamContext, topology: Topology, pairs: Iterable[tuple[Msg, Outcome]]
) -> None:
    """The records of the rejected among ``pairs``, published concurrently."""
    await asyncio.gather(
        *(publish_rejection(js, topology, m, o) for m, o in pairs if isinstance(o, Rejected))
    )


async def handle(
    decoded: Decoded,
    writer: Writer,
    nc: Client,
    topology: Topology,
    recovery: Recovery | None = None,
    cycle: Cycle = UNMARKED,
) -> None:
    """Record the batch; its rejections are published before it is stored (so before it
    commits), its confirmations once it committed, and its messages settled after (each
    stage's end marked on ``cycle``). It is abandoned if a batch before it failed
    (``recovery``): committed, it would move the ledger's position past that batch's
    messages.

    Decoding's rejections are published at once, while the batch waits for its turn and is
    sequenced, so that their round trip to JetStream is over (or nearly) by then; the
    ledger's own (conflicts, found in sequencing) once it is sequenced, before its rows
    are sent: no round trip to NATS is made while the batch holds the append lock. A
    record published for a batch that then fails is published again under the same
    Nats-Msg-Id when its message comes again: JetStream keeps one."""
    js, msgs = nc.jetstream(), decoded.msgs
    found = [(m, d) for m, d in zip(msgs, decoded.items, strict=True) if isinstance(d, Rejected)]
    early = asyncio.ensure_future(_publish_all(js, topology, found)) if found else None
    if early is not None:
        early.add_done_callback(_retrieved)

    async def record_rejections(batch: Batch) -> None:
        if recovery is not None and recovery.failed:
            raise Abandoned
        if early is not None:
            await early
        sequenced = [m for m, d in zip(msgs, decoded.items, strict=True) if isinstance(d, Prepared)]
        await _publish_all(js, topology, zip(sequenced, batch.outcomes, strict=True))

    progress = StreamOffset(topology.events_stream, stream_seq(msgs[-1]))
    try:
        batch = await writer.append(
            [d for d in decoded.items if isinstance(d, Prepared)],
            progress=progress,
            before_storing=record_rejections,
            cycle=cycle,
        )
    finally:
        if early is not None:
            early.cancel()  # done by now, unless the batch failed first
    await confirmations.publish(nc, topology, batch)
    cycle.mark(CONFIRM)
    outcomes = in_arrival_order(decoded.items, batch.outcomes)
    for msg, outcome in zip(msgs, outcomes, strict=True):
        if isinstance(outcome, Rejected):
            await msg.term()  # no redelivery, an advisory; and an ack of all before it
    if not isinstance(outcomes[-1], Rejected):
        await msgs[-1].ack()  # ack policy "all": the whole batch
    cycle.mark(ACK)
    metrics.BATCH_SIZE.observe(len(msgs))
    metrics.PENDING.set(msgs[-1].metadata.num_pending)


def _retrieved(task: asyncio.Future[None]) -> None:
    """Mark a publication's failure as seen: the batch's own failure is what is reported."""
    if not task.cancelled():
        task.exception()


async def reject_alone(
    msg: Msg, exc: Exception, writer: Writer, nc: Client, topology: Topology
) -> None:
    """Reject ``msg``, which failed alone, as ``internal_error``: its record published and
    the ledger's position moved past it in one commit, then the message settled."""
    rejected = internal_error(exc, msg.subject)

    async def record(_: Batch) -> None:
        await publish_rejection(nc.jetstream(), topology, msg, rejected)

    progress = StreamOffset(topology.events_stream, stream_seq(msg))
    await writer.append([], progress=progress, before_storing=record)
    await msg.term()
