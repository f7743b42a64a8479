"""Reading the rejections back from where they live: the JetStream stream
``topology.rejected_stream`` (``incidents.rejected.<source>``, kept for ever), oldest
first, in pages keyed by the stream sequence.

A page is read through an ephemeral pull consumer filtered to the sources asked for
(``filter_subjects``), starting after the cursor's sequence or at ``since``; it asks for
no acknowledgements and is deleted when the page is read. The ``code`` filter is applied
here, so a page scans at most ``SCAN`` records: a sparse code may give a short page with
a cursor to go on from.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from contracts.topology import Topology

SOURCE = r"^[A-Za-z0-9_-]{1,64}$"  # a source as a subject token: never a wildcard
SCAN = 5_000  # records a page reads at most
FETCH = 256  # records a fetch asks for at most
WAIT = 5.0  # seconds a fetch of records known to be there may take


class Rejection(msgspec.Struct, frozen=True, kw_only=True):
    """One rejected message: why, when, from which source, and its bytes as received."""

    seq: int  # the rejection stream's sequence: the key pages follow
    source: str
    received_at: datetime
    code: str
    message: str
    path: str
    event_id: str | None
    subject: str
    raw: str  # base64 of the bytes as received


class _Stored(msgspec.Struct, frozen=True):
    """``ledger.ingest.intake.RejectionRecord``, read leniently: a record written by another
    version of the ledger still lists."""

    code: str = "unknown"
    message: str = ""
    path: str = ""
    event_id: str | None = None
    subject: str = ""
    received_at: datetime | None = None
    raw: str = ""


class Query(msgspec.Struct, frozen=True, kw_only=True):
    sources: tuple[str, ...] = ()  # none: every source
    code: str | None = None
    since: datetime | None = None
    after: int = 0  # a cursor: the last sequence of the page before


_decode = msgspec.json.Decoder(_Stored).decode


def read(msg: Msg) -> Rejection:
    """A rejection stream message as a :class:`Rejection` (an unreadable one says so)."""
    meta = msg.metadata
    try:
        stored = _decode(msg.data)
    except msgspec.DecodeError:
        stored = _Stored(code="unreadable_record", message="the record is not readable")
    return Rejection(
        seq=meta.sequence.stream,
        source=msg.subject.rsplit(".", 1)[-1],
        received_at=stored.received_at or meta.timestamp,
        code=stored.code,
        message=stored.message,
        path=stored.path,
        event_id=stored.event_id,
        subject=stored.subject,
        raw=stored.raw,
    )


def consumer(topology: Topology, query: Query) -> api.ConsumerConfig:
    """An ephemeral consumer of the records ``query`` asks for, from where it starts."""
    subjects = [topology.rejected_subject(s) for s in query.sources]
    start: dict[str, object] = {"deliver_policy": api.DeliverPolicy.ALL}
    if query.after:
        start = {"deliver_policy": api.DeliverPolicy.BY_START_SEQUENCE,
                 "opt_start_seq": query.after + 1}  # fmt: skip
    elif query.since is not None:
        start = {"deliver_policy": api.DeliverPolicy.BY_START_TIME,
                 "opt_start_time": query.since}  # fmt: skip
    return api.ConsumerConfig(
        ack_policy=api.AckPolicy.NONE,
        filter_subjects=subjects or [topology.rejected_wildcard],
        mem_storage=True,
        num_replicas=1,
        inactive_threshold=30.0,  # gone by itself should its reader die mid-page
        **start,  # type: ignore[arg-type]
    )


async def page(
    js: JetStreamContext, topology: Topology, query: Query, limit: int
) -> tuple[list[Rejection], int | None]:
    """Up to ``limit`` rejections after ``query.after``, oldest first, and the sequence to
    go on after when more may follow (None: none do, yet)."""
    stream = topology.rejected_stream
    try:
        info = await js.add_consumer(stream, consumer(topology, query))
    except NotFoundError:  # no stream yet: nothing was ever rejected
        return [], None
    try:
        sub = await js.pull_subscribe_bind(durable=None, stream=stream, name=info.name)
        found, last, pending = await _scan(sub, query, limit, info.num_pending or 0)
    finally:
        with contextlib.suppress(nats.errors.Error):
            await js.delete_consumer(stream, str(info.name))
    if len(found) > limit:
        return found[:limit], found[limit - 1].seq
    return found, (last if pending else None)


async def _scan(
    sub: JetStreamContext.PullSubscription, query: Query, limit: int, pending: int
) -> tuple[list[Rejection], int, int]:
    """Records matching ``query`` until ``limit + 1`` are found, ``SCAN`` are read or none
    are left; with the last sequence read and how many are left unread."""
    found: list[Rejection] = []
    last, scanned = query.after, 0
    try:
        while pending > 0 and len(found) <= limit and scanned < SCAN:
            msgs = await sub.fetch(min(pending, FETCH, SCAN - scanned), timeout=WAIT)
            for msg in msgs:
                rejection = read(msg)
                last, scanned, pending = rejection.seq, scanned + 1, pending - 1
                if query.code is None or rejection.code == query.code:
                    found.append(rejection)
    finally:
        await sub.unsubscribe()
    return found, last, pending
