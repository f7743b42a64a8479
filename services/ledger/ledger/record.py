"""The record envelope: what the ledger stores and hashes for each event.

``{"v": 1, "origin", "position", "version", "recorded_at", "prev", "event"}`` in canonical
JSON. Everything the database indexes is inside it, so a verifier can check every column
against these bytes; ``prev`` links to the same incident's previous record.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import msgspec

from contracts import canonical

RECORD_FORMAT = 1


class Link(msgspec.Struct, frozen=True):
    position: int
    hash: bytes


def record_bytes(
    event: dict[str, Any],
    *,
    origin: str,
    position: int,
    version: int,
    recorded_at: datetime,
    prev: Link | None,
) -> bytes:
    return canonical.encode(
        {
            "v": RECORD_FORMAT,
            "origin": origin,
            "position": position,
            "version": version,
            "recorded_at": recorded_at,
            "prev": None if prev is None else {"position": prev.position, "hash": prev.hash.hex()},
            "event": event,
        }
    )


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_record_decoder = msgspec.json.Decoder(dict[str, Any])


def event_of(record: bytes) -> dict[str, Any]:
    """The published event inside a stored record."""
    event: dict[str, Any] = _record_decoder.decode(record)["event"]
    return event
