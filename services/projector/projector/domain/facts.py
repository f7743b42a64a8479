"""What projections fold: recorded events, typed, with where and when the ledger took them.

Valid time (``envelope.occurred_at``, and times inside payloads) and transaction time
(``recorded_at``) are kept apart: ``as_of`` queries cut on ``recorded_at``, deadlines run
on valid time.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from contracts.codec import read_event_bytes
from contracts.envelope import Envelope


class _Record(msgspec.Struct):
    event: msgspec.Raw


_record = msgspec.json.Decoder(_Record).decode


class Fact(msgspec.Struct, frozen=True):
    position: int
    version: int
    recorded_at: datetime
    envelope: Envelope

    @property
    def incident_id(self) -> str:
        return self.envelope.incident_id

    @property
    def type(self) -> str:
        return self.envelope.type


def from_record(position: int, version: int, recorded_at: datetime, record: bytes) -> Fact:
    """A stored record, its event validated and upcast to the newest version."""
    return from_event(position, version, recorded_at, event_bytes(record))


def event_bytes(record: bytes) -> msgspec.Raw:
    """The event inside a stored record, exactly as recorded (canonical JSON)."""
    return _record(record).event


def from_event(position: int, version: int, recorded_at: datetime, event: bytes) -> Fact:
    return Fact(position, version, recorded_at, read_event_bytes(bytes(event)))
