"""Canonical JSON: the bytes that are hashed.

Sorted keys, no insignificant white space, UTC timestamps ending in ``Z`` with
microsecond precision, integers only (within ±(2^53−1)), ASCII keys, UTF-8 strings.
On this profile the output equals RFC 8785 (JCS); a property test checks it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder(order="sorted")


def timestamp(value: datetime) -> str:
    """``2026-11-22T08:30:00.000000Z``: always UTC, always six fractional digits."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no canonical form")
    v = value.astimezone(UTC)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:"
        f"{v.second:02d}.{v.microsecond:06d}Z"
    )


def _normalise(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def to_builtins(value: Any) -> Any:
    """Plain JSON values (struct tags included) with every timestamp in canonical form."""
    return _normalise(msgspec.to_builtins(value, builtin_types=(datetime,)))


def encode(value: Any) -> bytes:
    return _encoder.encode(to_builtins(value))
