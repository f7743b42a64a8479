"""The record envelope: what the ledger stores and hashes for each event.

``{"v": 1, "origin", "position", "version", "recorded_at", "prev", "event"}`` in canonical
JSON. Everything the database indexes is inside it, so a verifier can check every column
against these bytes; ``prev`` links to the same incident's previous record.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

RECORD_FORMAT = 1


class Link(msgspec.Struct, frozen=True):
    position: int
    hash: bytes


def record_bytes(
    event: bytes,
    *,
    origin: str,
    position: int,
    version: int,
    recorded_at: str,
    prev: Link | None,
) -> bytes:
    """The canonical bytes of the record around ``event`` (already canonical bytes).

    Written out directly, keys in sorted order, since this runs for every event; a unit
    test checks it equals ``canonical.encode`` of the same record object.
    """
    link = (
        b"null"
        if prev is None
        else (
            b'{"hash":"'
            + prev.hash.hex().encode()
            + b'","position":'
            + str(prev.position).encode()
            + b"}"
        )
    )
    return b"".join(
        (
            b'{"event":',
            event,
            b',"origin":',
            _json(origin),
            b',"position":',
            str(position).encode(),
            b',"prev":',
            link,
            b',"recorded_at":"',
            recorded_at.encode(),
            b'","v":',
            str(RECORD_FORMAT).encode(),
            b',"version":',
            str(version).encode(),
            b"}",
        )
    )


def digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


_record_decoder = msgspec.json.Decoder(dict[str, Any])
_json = msgspec.json.Encoder().encode


def event_of(record: bytes) -> dict[str, Any]:
    """The published event inside a stored record."""
    event: dict[str, Any] = _record_decoder.decode(record)["event"]
    return event
