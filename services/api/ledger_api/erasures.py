"""An erasure, end to end (docs/erasure.md): the subject checked, the erasure recorded in
the ledger (``subject.erased.v1`` in the privacy stream, through the sequencer as a trusted
append), then the subject's key destroyed and the record's position noted beside it. Used
by ``POST /v1/subjects/{id}/erasure`` and ``ledger erase``.

Recorded first: a failure before the key is destroyed leaves the subject as it was, and
trying again records the erasure again (twice is harmless; an erasure never recorded
would not be). No personal data is in the record: the subject's id, the eraser's token
(or the operator's account), when, and why.

Then the subject's own messages are deleted from NATS (``ledger.store.erased_messages``),
within a bound; a failure or a timeout there is logged and leaves them pending, the erasure
itself being done. Other erasures left pending are the retention run's and ``ledger erase
--pending``'s: the retention run erases every subject due first, then deletes the messages
of all the pending ones in one pass."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats.errors
import structlog
from nats.aio.client import Client

from contracts import builders
from contracts.codec import encode_envelope
from contracts.envelope import Actor
from contracts.events.privacy import PRIVACY_STREAM
from contracts.outcomes import AppendReply, AppendRequest, Duplicate, Recorded
from contracts.topology import Topology
from ledger.store import erased_messages, retention, subject_keys
from ledger.store.erased_messages import Cleared
from ledger.store.subject_keys import AlreadyErased, Erasure

SOURCE = "ledger"
RETENTION = "ledger-retention"  # who erases a subject whose time is up
INLINE = 30.0  # seconds an erasure's own NATS step may take before it is left pending
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(AppendReply).decode
log = structlog.get_logger(__name__)


class NotRecorded(RuntimeError):
    """No sequencer recorded the erasure (none leading, or it refused): nothing erased."""


async def erase(
    conn: asyncpg.Connection,
    nc: Client | None,
    topology: Topology,
    subject: str,
    by: str,
    reason: str,
    *,
    clear: bool = True,
) -> Erasure:
    """Erase ``subject`` (``by``: who, as the record names them), and (``clear``) delete its
    messages from NATS; ``UnknownSubject``, ``AlreadyErased`` (with the first erasure) or
    ``NotRecorded`` if not."""
    first = await subject_keys.erasure_of(conn, subject)  # UnknownSubject if never met
    if first is not None:
        raise AlreadyErased(first)
    position = await _record(nc, topology, subject, by, reason)
    done = await subject_keys.erase(conn, subject, by, reason)
    await subject_keys.note_position(conn, subject, position)
    if clear and nc is not None:
        await clear_streams(conn, nc, topology, only={subject}, within=INLINE)
    return msgspec.structs.replace(done, position=position)


async def clear_streams(
    conn: asyncpg.Connection,
    nc: Client,
    topology: Topology,
    only: Collection[str] | None = None,
    within: float | None = None,
) -> list[Cleared] | None:
    """Every pending erasure's messages (of ``only``, if given) deleted from NATS, in one
    pass taking at most ``within`` seconds; what was done (None if this failed or took
    longer: logged, they stay pending, and the erasure stands)."""
    try:
        async with asyncio.timeout(within):
            js = nc.jetstream(timeout=10)
            cleared = await erased_messages.clear_pending(conn, js, topology, only)
    except Exception as exc:  # NATS down, or a defect: never undoes nor hides the erasure
        log.warning("erased subjects' messages left in NATS for a later run",
                    error=type(exc).__name__, detail=str(exc)[:200])  # fmt: skip
        return None
    for done in cleared:
        log.info("erased subject's messages deleted from NATS",
                 subject=done.subject, deleted=done.deleted, complete=done.done)  # fmt: skip
    return cleared


async def _record(nc: Client | None, topology: Topology, subject: str, by: str, reason: str) -> int:
    envelope = builders.record_erasure(
        subject=subject, erased_at=datetime.now(UTC), erased_by=by, reason=reason,
        incident_id=PRIVACY_STREAM, source=SOURCE, actor=Actor(id=by, role="admin"),
    )  # fmt: skip
    request = AppendRequest([encode_envelope(envelope)], None)  # trusted: the ledger's own
    if nc is None:
        raise NotRecorded("no NATS connection to the sequencer; nothing was erased")
    try:
        msg = await nc.request(topology.append_subject, _encode(request), timeout=10)
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError, TimeoutError):
        raise NotRecorded("no sequencer is leading right now; nothing was erased") from None
    reply = _decode(msg.data)
    outcome = reply.outcomes[0] if reply.outcomes else None
    if not isinstance(outcome, Recorded | Duplicate):
        raise NotRecorded(reply.error or f"the erasure was not recorded: {outcome!r}")
    return outcome.position


class RetentionRun(msgspec.Struct, frozen=True):
    """What a retention run did: the subjects erased, those whose erasure failed (logged by
    their id; the next run tries again), and the pending erasures' messages deleted (None:
    that step failed, logged, and every one stays pending)."""

    erased: list[Erasure]
    failed: list[str]
    cleared: list[Cleared] | None
    unbound: int = 0  # sealed values naming no subject's key (``retention.unbound``)


async def erase_due(
    conn: asyncpg.Connection, nc: Client | None, topology: Topology, now: datetime
) -> RetentionRun:
    """Erase every subject whose retention ended by ``now``, each recorded with the reason
    ``retention:<policy>``; one erased meanwhile (by another run) is passed over, one that
    fails is logged and the others carried on. Then every erasure pending in NATS is
    finished in one pass (each rejection record read once)."""
    erased, failed = [], []
    for subject, held in await retention.due(conn, now):
        try:
            reason = f"retention:{held.policy}"
            erased.append(await erase(conn, nc, topology, subject, RETENTION, reason, clear=False))
        except AlreadyErased:
            continue
        except Exception as exc:  # one subject's failure never starves the others
            detail = str(exc)[:200] if isinstance(exc, NotRecorded) else ""  # holds no value
            log.warning("subject not erased by retention; the next run tries again",
                        subject=subject, error=type(exc).__name__, detail=detail)  # fmt: skip
            failed.append(subject)
    cleared = await clear_streams(conn, nc, topology) if nc is not None else None
    return RetentionRun(erased, failed, cleared, await retention.unbound(conn))
