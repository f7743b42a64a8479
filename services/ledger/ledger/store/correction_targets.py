"""The events that a batch's corrections correct, as their values' subjects need them
(``contracts.subjects.Target``): from the batches sealed lately (:class:`Recent`, the
batch itself included), else recorded, in one query for the whole batch, on the sealer's
own connection (off the ordered path, like the rest of sealing). A correction's personal
values are sealed as the corrected event's type makes them (docs/erasure.md); an event
neither sealed lately nor recorded is not found.

Sealing runs ahead of recording: a batch is sealed while the batches before it wait for
their turn or commit, so the event a correction corrects may be in one of those, sealed
but not recorded yet. :class:`Recent` keeps the last ``KEPT`` events sealed, far more than
the batches in flight, so that such an event is found there."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Final
from uuid import UUID

import asyncpg
import msgspec

from contracts.lifecycle import name_of
from ledger.domain.prepared import Prepared
from ledger.domain.record import event_of
from ledger.domain.subjects import Target

_decode = msgspec.json.Decoder(dict[str, Any]).decode
_NOTIFICATION = "notification.sent"  # its recipient's role names the recipient's subject

_RECORDED = """
SELECT event_id, type, CASE WHEN type LIKE 'notification.sent.%' THEN record END AS record
FROM events WHERE event_id = ANY($1::uuid[])
"""


KEPT: Final = 20_000


class Recent:
    """The type (and a notification's bytes) of the last ``KEPT`` events sealed, by id."""

    def __init__(self) -> None:
        self._events: dict[UUID, tuple[str, bytes | None]] = {}

    def add(self, batch: Sequence[Prepared]) -> None:
        events = self._events
        for p in batch:
            events[p.event_id] = (p.type, p.event if name_of(p.type) == _NOTIFICATION else None)
        for _ in range(len(events) - KEPT):
            del events[next(iter(events))]

    def target(self, event_id: str) -> Target | None:
        found = self._events.get(UUID(event_id)) if _uuid(event_id) else None
        return None if found is None else _target(*found)


async def resolve(
    conn: asyncpg.Connection, recent: Recent, wanted: Collection[str]
) -> dict[str, Target]:
    """The target of each event id in ``wanted`` sealed lately or recorded."""
    found = {w: t for w in wanted if (t := recent.target(w)) is not None}
    rest = [UUID(w) for w in wanted if w not in found and _uuid(w)]
    if rest:
        for row in await conn.fetch(_RECORDED, rest):
            record = row["record"]
            event = None if record is None else msgspec.json.encode(event_of(record))
            found[str(row["event_id"])] = _target(row["type"], event)
    return found


def _target(tag: str, event: bytes | None) -> Target:
    if name_of(tag) != _NOTIFICATION or event is None:
        return Target(tag)
    role = _decode(event).get("payload", {}).get("recipient_role", "")
    return Target(tag, str(role))


def _uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True
