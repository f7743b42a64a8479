"""The events that a batch's corrections correct, as their values' subjects need them
(``contracts.subjects.Target``): from the batches sealed lately (:class:`Recent`, the
batch itself included), else recorded, in one query for the whole batch, on the sealer's
own connection (off the ordered path, like the rest of sealing). A correction's personal
values are sealed as the corrected event's type makes them (docs/erasure.md); an event
neither sealed lately nor recorded is not found.

Sealing runs ahead of recording: a batch is sealed while the batches before it wait for
their turn or commit, so the event a correction corrects may be in one of those, sealed
but not recorded yet. :class:`Recent` keeps the last ``KEPT`` batches sealed, far more
than are ever in flight, so that such an event is found there."""

from __future__ import annotations

from collections import deque
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


KEPT: Final = 8  # batches: twice as many as are ever sealed but not yet recorded


class Recent:
    """The last ``KEPT`` batches sealed, searched only for a batch's corrections (rare), so
    that keeping them costs a batch nothing."""

    def __init__(self) -> None:
        self._batches: deque[Sequence[Prepared]] = deque(maxlen=KEPT)

    def add(self, batch: Sequence[Prepared]) -> None:
        self._batches.append(batch)

    def targets(self, wanted: Collection[str]) -> dict[str, Target]:
        """The target of each event id in ``wanted`` found here (the latest sealed)."""
        ids = {UUID(w): w for w in wanted if _uuid(w)}
        found: dict[str, Target] = {}
        for batch in self._batches:
            for p in batch:
                if (w := ids.get(p.event_id)) is not None:
                    found[w] = _target(p.type, p.event)
        return found


async def resolve(
    conn: asyncpg.Connection, recent: Recent, wanted: Collection[str]
) -> dict[str, Target]:
    """The target of each event id in ``wanted`` sealed lately or recorded."""
    found = recent.targets(wanted)
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
