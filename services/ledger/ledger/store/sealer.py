"""Sealing at ingest: every personal value of an event replaced by its token before the
event's canonical bytes are recorded (``ledger.store.writer`` runs it on every append, from
NATS or HTTP). The tokens and the subjects' keys are ``ledger.store.sealing``'s; the sealed
values are stored (``ledger.store.subject_keys``) before the records that name them.

No key is kept here between batches: an erasure (in another process) takes effect on the
next batch, whose values of an erased subject become :data:`~sealing.ERASED` unstored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from uuid import UUID

import asyncpg
import msgspec

from contracts import canonical
from contracts.envelope import Envelope
from contracts.personal import Path, personal_values, replaced
from ledger.domain.prepared import Prepared, prepare
from ledger.domain.subjects import subject_of
from ledger.store import sealing, subject_keys
from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import Keys, SealedRow

_decode = msgspec.json.Decoder(dict[str, Any]).decode
MARKERS: Final = (b'"personal":{', b'"recipient_name":"')
"""Where a payload's personal values sit (a unit test holds every event type to these)."""
_ACTOR_NAME: Final = b',"name":"'


def may_hold_personal(event: bytes) -> bool:
    """Whether an event's canonical bytes may hold a personal value (a cheap, conservative
    look: the event is decoded only if so)."""
    if any(marker in event for marker in MARKERS):
        return True
    actor = event.find(b'"actor":{')
    name = event.find(_ACTOR_NAME, actor) if actor >= 0 else -1
    return name >= 0 and event[name + len(_ACTOR_NAME) : name + len(_ACTOR_NAME) + 1] != b'"'


class Sealer:
    def __init__(self, conn: asyncpg.Connection, master: MasterKey) -> None:
        self.conn, self.master = conn, master

    async def close(self) -> None:
        if not self.conn.is_closed():
            self.conn.terminate()

    async def seal(self, envelopes: Sequence[Envelope | Prepared]) -> list[Prepared]:
        """``envelopes`` prepared for the sequencer with their personal values sealed."""
        prepared = [prepare(e) for e in envelopes]
        found: list[tuple[int, dict[str, Any], list[tuple[Path, str]]]] = []
        for index, item in enumerate(prepared):
            if may_hold_personal(item.event):
                event = _decode(item.event)
                if values := personal_values(event):
                    found.append((index, event, values))
        if not found:
            return prepared
        subjects = {subject_of(event, path) for _, event, values in found for path, _ in values}
        keys = await subject_keys.keys_for(self.conn, self.master, subjects)
        rows: list[SealedRow] = []
        ciphers = sealing.Ciphers()
        for index, event, values in found:
            changes = [(path, _sealed(event, path, v, keys, ciphers, rows)) for path, v in values]
            sealed = canonical.encode_decoded(replaced(event, changes))
            prepared[index] = msgspec.structs.replace(prepared[index], event=sealed)
        await subject_keys.store(self.conn, rows)
        return prepared


def _sealed(
    event: dict[str, Any],
    path: Path,
    value: str,
    keys: Keys,
    ciphers: sealing.Ciphers,
    rows: list[SealedRow],
) -> str:
    """The token of ``value`` (at ``path`` of ``event``), its sealed row added to ``rows``."""
    subject = subject_of(event, path)
    key = keys.get(subject)
    if key is None:
        return sealing.ERASED
    event_id, where = str(event["event_id"]), ".".join(path)
    made = sealing.seal(key, event_id, where, value, ciphers)
    incident = str(event["incident_id"])
    rows.append(SealedRow(made.commitment, subject, incident, UUID(event_id), where, made.sealed))
    return made.token
