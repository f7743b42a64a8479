"""Personal values recorded in the clear, before sealing existed (docs/erasure.md): where
they are, found by scanning the records. They cannot be erased without breaking the hash of
their record and every link, proof and checkpoint after it, so ``ledger erase --plan``
lists them for the operator to know, and decide."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec

from contracts.personal import personal_values
from contracts.subjects import corrected_values, corrects_personal, subject_of
from ledger.domain.record import event_of
from ledger.store import sealing

BATCH = 5000


class Clear(msgspec.Struct, frozen=True):
    """A record holding personal values in the clear: where, and whose (no value)."""

    position: int
    incident_id: str
    fields: list[str]  # paths, e.g. payload.personal.phone
    subjects: list[str]


async def scan(conn: asyncpg.Connection) -> AsyncIterator[Clear]:
    """Every record that holds a personal value not sealed, in position order."""
    after = 0
    while True:
        rows = await conn.fetch(
            "SELECT position, record FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            after,
            BATCH,
        )
        if not rows:
            return
        for row in rows:
            if (found := _clear(row["position"], event_of(row["record"]))) is not None:
                yield found
        after = rows[-1]["position"]


def _clear(position: int, event: dict[str, Any]) -> Clear | None:
    """A correction's values are named by the incident's ``correction`` subject: the
    corrected event is not looked up here."""
    found = [(p, subject_of(event, p), v) for p, v in personal_values(event)]
    if corrects_personal(event) is not None:
        found += corrected_values(event, None)
    clear = [(p, s) for p, s, v in found if not v.startswith(sealing.PREFIX)]
    if not clear:
        return None
    return Clear(
        position,
        str(event["incident_id"]),
        [".".join(p) for p, _ in clear],
        sorted({s for _, s in clear}),
    )
