"""The retention run (docs/erasure.md): every data subject whose retention ended erased
(``ledger_api.erasures.erase``), then every policy of fields due within a subject not
erased (:func:`erase_fields`: only the values at those fields), then every value stored at
a field after its erasure, then the messages of every erasure pending in NATS. Each
erasure is recorded with the reason ``retention:<policy>``; one subject's failure is
logged by its id and never starves the others. Used by ``ledger retention run``."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec
import structlog
from nats.aio.client import Client

from contracts.topology import Topology
from ledger.store import field_erasures, retention, subject_keys
from ledger.store.erased_messages import Cleared
from ledger.store.retention import FieldErasure
from ledger.store.subject_keys import AlreadyErased, Erasure
from ledger_api import erasures
from ledger_api.erasures import RETENTION, NotRecorded, clear_streams, erase

log = structlog.get_logger(__name__)


async def erase_fields(
    conn: asyncpg.Connection,
    nc: Client | None,
    topology: Topology,
    subject: str,
    fields: list[str],
    reason: str,
) -> FieldErasure | None:
    """Erase ``subject``'s values at those of ``fields`` not erased yet, recorded first as
    an erasure naming them (by the retention run); None if none was left (or the subject
    is erased). Two runs at once erase each field once, though both may record it."""
    fields = await field_erasures.left(conn, subject, fields)
    if not fields or await subject_keys.erasure_of(conn, subject) is not None:
        return None
    position = await erasures.record(nc, topology, subject, RETENTION, reason, fields)
    done = await field_erasures.erase(conn, subject, fields, RETENTION, reason)
    if done is None:
        return None
    await field_erasures.note_position(conn, subject, done.fields, position)
    return msgspec.structs.replace(done, position=position)


class RetentionRun(msgspec.Struct, frozen=True):
    """What a retention run did: the subjects erased, those whose erasure failed (logged by
    their id; the next run tries again), and the pending erasures' messages deleted (None:
    that step failed, logged, and every one stays pending); the same of fields."""

    erased: list[Erasure]
    failed: list[str]
    cleared: list[Cleared] | None
    unbound: int = 0  # sealed values naming no subject's key (``retention.unbound``)
    fields_erased: list[tuple[str, FieldErasure]] = []  # each with its subject
    fields_failed: list[str] = []  # subjects whose fields due were not erased
    swept: list[str] = []  # subjects of values stored at a field after its erasure


async def erase_due(
    conn: asyncpg.Connection, nc: Client | None, topology: Topology, now: datetime
) -> RetentionRun:
    """Erase every subject whose retention ended by ``now``, each recorded with the reason
    ``retention:<policy>``; one erased meanwhile (by another run) is passed over, one that
    fails is logged and the others carried on. Then the same of every policy of fields,
    and every value stored at a field after its erasure is erased (``field_erasures.sweep``).
    Then every erasure pending in NATS is finished in one pass (each rejection record read
    once; fields' erasures in a pass of their own)."""
    erased, failed = await _erase_subjects(conn, nc, topology, now)
    fields, fields_failed = await _erase_fields(conn, nc, topology, now)
    swept = await field_erasures.sweep(conn)
    cleared = await clear_streams(conn, nc, topology) if nc is not None else None
    unbound = await retention.unbound(conn)
    return RetentionRun(erased, failed, cleared, unbound, fields, fields_failed, swept)


async def _erase_subjects(
    conn: asyncpg.Connection, nc: Client | None, topology: Topology, now: datetime
) -> tuple[list[Erasure], list[str]]:
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
    return erased, failed


async def _erase_fields(
    conn: asyncpg.Connection, nc: Client | None, topology: Topology, now: datetime
) -> tuple[list[tuple[str, FieldErasure]], list[str]]:
    erased, failed = [], []
    for subject, held in await retention.due_fields(conn, now):
        reason = f"retention:{held.policy}"
        try:
            done = await erase_fields(conn, nc, topology, subject, held.fields, reason)
        except Exception as exc:  # one subject's failure never starves the others
            detail = str(exc)[:200] if isinstance(exc, NotRecorded) else ""  # holds no value
            log.warning("fields not erased by retention; the next run tries again",
                        subject=subject, fields=held.fields, error=type(exc).__name__,
                        detail=detail)  # fmt: skip
            failed.append(subject)
            continue
        if done is not None:
            erased.append((subject, done))
    return erased, failed
