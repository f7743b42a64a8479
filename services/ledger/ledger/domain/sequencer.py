"""The sequencer's decisions, as a pure function of a batch and the ledger's current heads.

Given the events of a batch in arrival order, what is already recorded under their
event_ids, and each incident's head, decide for every event: record it (with its position,
version, link and hash), report it as a duplicate, or reject it. No I/O here; the store
reads the inputs and writes the rows in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypedDict, Unpack
from uuid import UUID

import msgspec

from contracts import canonical
from contracts.envelope import Envelope
from contracts.lifecycle import NEW, Lifecycle, advance
from contracts.limits import MAX_RECORD_BYTES
from contracts.outcomes import Duplicate, Outcome, Recorded, Rejected
from ledger.domain.prepared import Prepared, prepare
from ledger.domain.record import Link, digest, event_of, record_bytes

_decode = msgspec.json.Decoder(dict[str, Any]).decode


class IncidentHead(msgspec.Struct, frozen=True, gc=False):
    """An incident's last record and lifecycle. Not tracked by the cyclic GC (it holds no
    containers): the writer keeps up to 100,000 of them, and a full collection over them
    would hold the ingest."""

    version: int
    link: Link
    lifecycle: Lifecycle = NEW


class Row(msgspec.Struct, frozen=True):
    position: int
    event_id: UUID
    incident_id: str
    version: int
    type: str
    source: str
    occurred_at: datetime
    recorded_at: datetime
    record: bytes
    hash: bytes
    prev_position: int | None
    prev_hash: bytes | None


class Stored(msgspec.Struct, frozen=True):
    """An already-recorded event, as needed to judge a redelivery."""

    incident_id: str
    version: int
    position: int
    hash: bytes
    record: bytes


class Batch(msgspec.Struct, frozen=True):
    """What sequencing decided: every event's outcome in arrival order, the rows of those
    recorded, and the heads of their incidents after them."""

    rows: list[Row]
    outcomes: list[Outcome]
    heads: dict[str, IncidentHead] = msgspec.field(default_factory=dict)


def _duplicate(envelope: Prepared, stored: Stored) -> Duplicate | Rejected:
    if event_of(stored.record) != _decode(envelope.event):
        return Rejected(
            envelope.event_id,
            "duplicate_conflict",
            f"event_id {envelope.event_id} was recorded at position "
            f"{stored.position} with different content",
            "$.event_id",
        )
    return Duplicate(
        envelope.event_id, stored.incident_id, stored.version, stored.position, stored.hash.hex()
    )


def _judge(envelope: Prepared, head: IncidentHead | None) -> Rejected | Lifecycle:
    """Whether the incident, as it stands, accepts the event; if so, its next lifecycle."""
    current = head.version if head else 0
    if envelope.expected_version is not None and envelope.expected_version != current:
        return Rejected(
            envelope.event_id,
            "version_conflict",
            f"expected version {envelope.expected_version} but incident "
            f"{envelope.incident_id} is at version {current}",
            "$.expected_version",
            current,
        )
    lifecycle, refusal = advance(head.lifecycle if head else NEW, envelope.type)
    if refusal is not None:
        return Rejected(envelope.event_id, "invalid_transition", refusal, "$.type", current)
    return lifecycle


class Known(TypedDict):
    """What the ledger holds that a batch is judged against, and the batch's stamps."""

    stored: dict[UUID, Stored]  # already recorded under the batch's event_ids
    heads: dict[str, IncidentHead]  # each incident's last record and lifecycle
    next_position: int
    recorded_at: datetime
    origin: str


def sequence(envelopes: Sequence[Envelope | Prepared], **known: Unpack[Known]) -> Batch:
    """Every event's outcome, in arrival order, and the rows of those recorded: the whole
    batch, decided before any of it is stored."""
    seen, heads = dict(known["stored"]), dict(known["heads"])
    stamp = (known["recorded_at"], canonical.timestamp(known["recorded_at"]))
    rows: list[Row] = []
    outcomes: list[Outcome] = []
    for given in envelopes:
        envelope = prepare(given)
        head = heads.get(envelope.incident_id)
        verdict = _verdict(envelope, seen, head)
        if not isinstance(verdict, Lifecycle):
            outcomes.append(verdict)
            continue
        position = known["next_position"] + len(rows)
        row = _row(envelope, head, position, stamp, known["origin"])
        if len(row.record) > MAX_RECORD_BYTES:
            outcomes.append(_oversize(row))
            continue
        rows.append(row)
        outcomes.append(_recorded(row))
        seen[row.event_id] = Stored(row.incident_id, row.version, position, row.hash, row.record)
        heads[row.incident_id] = IncidentHead(row.version, Link(position, row.hash), verdict)
    return Batch(rows, outcomes, {i: heads[i] for i in {r.incident_id for r in rows}})


def _verdict(
    envelope: Prepared, seen: dict[UUID, Stored], head: IncidentHead | None
) -> Duplicate | Rejected | Lifecycle:
    """A repeated event_id's outcome; else whether the incident accepts the event, and if
    so its next lifecycle."""
    if envelope.event_id in seen:
        return _duplicate(envelope, seen[envelope.event_id])
    return _judge(envelope, head)


def _oversize(row: Row) -> Rejected:
    """An event whose record, sealed and framed, would not fit a tlog-tiles entry."""
    why = f"its record would be {len(row.record)} bytes; a record holds at most {MAX_RECORD_BYTES}"
    return Rejected(row.event_id, "oversize", why)


def _recorded(row: Row) -> Recorded:
    return Recorded(row.event_id, row.incident_id, row.version, row.position, row.hash.hex())


def _row(
    envelope: Prepared,
    head: IncidentHead | None,
    position: int,
    stamp: tuple[datetime, str],
    origin: str,
) -> Row:
    version = head.version + 1 if head else 1
    prev = head.link if head else None
    data = record_bytes(
        envelope.event,
        origin=origin,
        position=position,
        version=version,
        recorded_at=stamp[1],
        prev=prev,
    )
    return Row(
        position=position,
        event_id=envelope.event_id,
        incident_id=envelope.incident_id,
        version=version,
        type=envelope.type,
        source=envelope.source,
        occurred_at=envelope.occurred_at,
        recorded_at=stamp[0],
        record=data,
        hash=digest(data),
        prev_position=prev.position if prev else None,
        prev_hash=prev.hash if prev else None,
    )


def in_arrival_order(items: Sequence[object], appended: Sequence[Outcome]) -> list[Outcome]:
    """Every item's outcome, in arrival order: an item refused before sequencing (a
    ``Rejected``) as it stands, every other one the next of ``appended``, the sequencer's
    outcomes for those items in the same order."""
    rest = iter(appended)
    merged = [item if isinstance(item, Rejected) else next(rest) for item in items]
    if next(rest, None) is not None:
        raise ValueError("more outcomes than items to sequence")
    return merged
