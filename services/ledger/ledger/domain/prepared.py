"""An event as the sequencer takes it: the header fields it judges and orders by, and the
event's canonical bytes, which is all it needs of the payload.

``prepare`` makes one from a decoded ``Envelope``. A decoding worker process
(``ledger.ingest.decode_pool``) makes them on another core and sends them back in this compact
form (an array per event) instead of the whole typed payload.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from contracts import canonical
from contracts.envelope import Envelope


class Prepared(msgspec.Struct, frozen=True, array_like=True):
    event_id: UUID
    incident_id: str
    type: str
    source: str
    occurred_at: datetime
    expected_version: int | None
    event: bytes  # the canonical bytes of the envelope as published
    sealed: bool = False  # its personal values sealed already (by a decoding worker)


def prepare(envelope: Envelope | Prepared) -> Prepared:
    if isinstance(envelope, Prepared):
        return envelope
    return Prepared(
        envelope.event_id,
        envelope.incident_id,
        envelope.type,
        envelope.source,
        envelope.occurred_at,
        envelope.expected_version,
        canonical.encode_struct(envelope),
    )
