"""What a publisher is told about each event it sent: the public outcome messages.

HTTP replies and NATS confirmations carry these structs; the append request and reply are
the messages an API instance exchanges with the leading sequencer over NATS request-reply.
They live here, with the envelope, so that a change inside the ledger's core cannot change
what clients see."""

from __future__ import annotations

from uuid import UUID

import msgspec

# Bytes of an oversize event sent in its place, so that its rejection's record can quote it.
OVERSIZE_HEAD = 1024


class Recorded(msgspec.Struct, frozen=True, tag="recorded"):
    event_id: UUID
    incident_id: str
    version: int
    position: int
    hash: str


class Duplicate(msgspec.Struct, frozen=True, tag="duplicate"):
    event_id: UUID
    incident_id: str
    version: int
    position: int
    hash: str


class Rejected(msgspec.Struct, frozen=True, tag="rejected"):
    event_id: UUID | None
    code: str
    message: str
    path: str = "$"
    current_version: int | None = None


Outcome = Recorded | Duplicate | Rejected


class AppendRequest(msgspec.Struct, frozen=True):
    items: list[bytes]  # each the raw JSON of one event, as the client sent it
    # The sources the caller's token may publish as; None: any (a trusted caller).
    sources: list[str] | None = None
    # Index → size of each event too large to carry: its item holds its first OVERSIZE_HEAD
    # bytes.
    oversize: dict[int, int] = msgspec.field(default_factory=dict)


class AppendReply(msgspec.Struct, frozen=True):
    outcomes: list[Outcome] = msgspec.field(default_factory=list)
    error: str | None = None
