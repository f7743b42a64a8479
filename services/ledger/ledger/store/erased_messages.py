"""An erased subject's messages removed from NATS (docs/erasure.md): every message of the
events stream that holds a personal value of the subject, in the clear as its publisher sent
it, and every rejection record whose raw bytes hold one, is deleted by its stream sequence,
and JetStream overwrites it in its store (``STREAM.MSG.DELETE`` without ``no_erase``: a
secure erase).

Which messages: those on the subjects of each incident the subject's values were sealed in
(``sealed_values``), read through an ephemeral consumer, whose JSON holds a value of the
subject (``contracts.subjects.holds_values_of``): a record's own message, its redeliveries,
one published after the erasure, one that was rejected; and the rejection stream's records,
all read (it has no subject per incident). Never a message the ledger has not settled yet
(past ``ingest_offsets``): the ingest still needs it.

Resumable: the erasure is done first, then this; ``subject_keys.stream_cleared_at`` is set
only when no such message is left. An erasure whose messages were not all deleted (NATS
down, a message not yet settled, a crash) stays pending, and so does one whose incidents
recorded an event since (its publisher may have sent a value again); every later erasure,
retention run or ``ledger erase --pending`` takes the pending ones up. Deleting twice is
harmless.
"""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import asyncpg
import msgspec
import nats.errors
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from contracts.subjects import holds_values_of
from contracts.topology import Topology

FETCH = 256  # messages a fetch asks for at most
WAIT = 5.0  # seconds a fetch of messages known to be there may take
_decode = msgspec.json.Decoder(dict[str, Any]).decode


class Cleared(msgspec.Struct, frozen=True):
    subject: str
    deleted: int  # messages deleted now
    done: bool  # none left: the subject's erasure is complete in NATS


# Erased, and not yet cleared, or one of its incidents recorded an event since: a message
# published after the erasure's NATS step may hold a value again (recorded ``pd1.erased``).
_PENDING = """
SELECT k.subject FROM subject_keys k
WHERE k.erased_at IS NOT NULL AND (k.stream_cleared_at IS NULL OR EXISTS (
  SELECT 1 FROM sealed_values v JOIN events e ON e.incident_id = v.incident_id
  WHERE v.subject = k.subject AND e.recorded_at > k.stream_cleared_at))
ORDER BY k.erased_at
"""


async def pending(conn: asyncpg.Connection) -> list[str]:
    """The erased subjects whose messages may still be in NATS."""
    return [r["subject"] for r in await conn.fetch(_PENDING)]


async def clear_pending(
    conn: asyncpg.Connection, js: JetStreamContext, topology: Topology
) -> list[Cleared]:
    """:func:`clear` for every pending subject, oldest erasure first."""
    return [await clear(conn, js, topology, subject) for subject in await pending(conn)]


async def clear(
    conn: asyncpg.Connection, js: JetStreamContext, topology: Topology, subject: str
) -> Cleared:
    """Delete every settled message holding a value of the erased ``subject``, and every
    rejection record whose bytes hold one; noted as done when none is left (a message not
    settled yet waits for a later run)."""
    settled = await _settled(conn, topology)
    incidents = await conn.fetch(
        "SELECT DISTINCT incident_id FROM sealed_values WHERE subject = $1", subject
    )
    found: list[int] = []
    for (incident,) in incidents:
        on = topology.event_subject("*", incident)
        found += await _holding(js, topology.events_stream, on, Match(subject))
    rejected = await _holding(
        js, topology.rejected_stream, topology.rejected_wildcard, Match(subject, rejected=True)
    )
    deleted = await _delete(js, topology.events_stream, [s for s in found if s <= settled])
    deleted += await _delete(js, topology.rejected_stream, rejected)
    left = sum(1 for s in found if s > settled)
    if not left:
        await conn.execute(
            "UPDATE subject_keys SET stream_cleared_at = now() WHERE subject = $1", subject
        )
    return Cleared(subject, deleted, not left)


async def _settled(conn: asyncpg.Connection, topology: Topology) -> int:
    """The last stream sequence the ledger has settled (``ingest_offsets``)."""
    last = await conn.fetchval(
        "SELECT last_seq FROM ingest_offsets WHERE stream = $1", topology.events_stream
    )
    return int(last or 0)


async def _delete(js: JetStreamContext, stream: str, sequences: list[int]) -> int:
    """Each message deleted and overwritten (JetStream's default: a secure erase)."""
    for seq in sequences:
        with contextlib.suppress(NotFoundError):  # deleted already: by another run
            await js.delete_msg(stream, seq)
    return len(sequences)


class Match(msgspec.Struct, frozen=True):
    """What a scan looks for: messages holding a value of ``subject``, as published, or
    inside a rejection record (``rejected``)."""

    subject: str
    rejected: bool = False

    def __call__(self, data: bytes) -> bool:
        return rejection_holds(data, self.subject) if self.rejected else holds(data, self.subject)


def _consumer(on: str) -> api.ConsumerConfig:
    return api.ConsumerConfig(
        ack_policy=api.AckPolicy.NONE,
        deliver_policy=api.DeliverPolicy.ALL,
        filter_subject=on,
        mem_storage=True,
        num_replicas=1,
        inactive_threshold=30.0,  # gone by itself should its reader die mid-scan
    )


async def _holding(js: JetStreamContext, stream: str, on: str, match: Match) -> list[int]:
    """The sequences of ``stream``'s messages on ``on`` that ``match``."""
    try:
        info = await js.add_consumer(stream, _consumer(on))
    except NotFoundError:  # no such stream (yet): nothing in it
        return []
    try:
        sub = await js.pull_subscribe_bind(durable=None, stream=stream, name=info.name)
        try:
            return await _scan(sub, info.num_pending or 0, match)
        finally:
            await sub.unsubscribe()
    finally:
        with contextlib.suppress(nats.errors.Error):
            await js.delete_consumer(stream, str(info.name))


async def _scan(sub: JetStreamContext.PullSubscription, pending: int, match: Match) -> list[int]:
    found: list[int] = []
    while pending > 0:
        for msg in await sub.fetch(min(pending, FETCH), timeout=WAIT):
            pending = msg.metadata.num_pending  # fewer, should others be deleted meanwhile
            if match(msg.data):
                found.append(msg.metadata.sequence.stream)
    return found


class _Raw(msgspec.Struct):
    raw: str = ""  # a rejection record's bytes as received, in base64


_raw = msgspec.json.Decoder(_Raw).decode


def rejection_holds(record: bytes, subject: str) -> bool:
    """Whether a rejection record's raw bytes hold a personal value of ``subject``."""
    try:
        return holds(base64.b64decode(_raw(record).raw), subject)
    except (msgspec.DecodeError, ValueError):  # ValueError: not base64 (binascii.Error too)
        return False


def holds(data: bytes, subject: str) -> bool:
    """Whether a message's bytes, as published, hold a personal value of ``subject``."""
    try:
        event = _decode(data)
    except msgspec.DecodeError:
        return False
    return holds_values_of(event, subject)
