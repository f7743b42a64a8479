"""The events that a batch's corrections correct, as their values' subjects need them
(``contracts.subjects.Target``): from the batch itself, else recorded, in one query for
the whole batch, on the sealer's own connection (off the ordered path, like the rest of
sealing). A correction's personal values are sealed as the corrected event's type makes
them (docs/erasure.md); an event neither in the batch nor recorded is not found."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any
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


async def resolve(
    conn: asyncpg.Connection, batch: Sequence[Prepared], wanted: Collection[str]
) -> dict[str, Target]:
    """The target of each event id in ``wanted`` found in ``batch`` or recorded."""
    found = {str(p.event_id): _target(p.type, p.event) for p in batch if str(p.event_id) in wanted}
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
