"""The fast path of ``decode_envelope``: typed decoding straight from bytes.

Valid for payload types that are *closed*: every string and list bounded within the
default limits, every integer within ±(2^53−1), no ``Any`` anywhere. For those, typed
decoding alone enforces the whole profile, so the generic walk adds nothing; anything
that fails here (or is not closed) takes the slow path, which names the exact problem.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec
from msgspec import inspect as mi

from contracts.envelope import Envelope, _Header
from contracts.events import Payload
from contracts.limits import DEFAULT_LIMITS, Limits
from contracts.types import MAX_SAFE_INTEGER


class _RawHead(_Header, frozen=True, kw_only=True):
    payload: msgspec.Raw


_head = msgspec.json.Decoder(_RawHead)
_HEADER_FIELDS = tuple(f for f in _RawHead.__struct_fields__ if f != "payload")


def _bounded_int(info: mi.IntType) -> bool:
    low = info.ge if info.ge is not None else info.gt
    high = info.le if info.le is not None else info.lt
    return (
        low is not None
        and high is not None
        and low >= -MAX_SAFE_INTEGER
        and high <= MAX_SAFE_INTEGER
    )


def _bounded_pattern(pattern: str | None) -> bool:
    """An anchored pattern without open repetition (``^[A-Z]{3}$``) bounds the length."""
    return (
        pattern is not None
        and pattern.startswith("^")
        and pattern.endswith("$")
        and not re.search(r"[*+]|\{\d*,\}", pattern)
    )


def _closed(info: Any, limits: Limits) -> bool:
    if isinstance(info, mi.Metadata):
        return _closed(info.type, limits)
    if isinstance(info, mi.UnionType):
        return all(_closed(t, limits) for t in info.types)
    if isinstance(info, mi.StructType):
        return all(_closed(f.type, limits) for f in info.fields)
    if isinstance(info, mi.StrType):
        if info.max_length is not None:
            return info.max_length <= limits.max_string_length
        return _bounded_pattern(info.pattern)
    if isinstance(info, mi.ListType | mi.FrozenSetType | mi.SetType | mi.VarTupleType):
        return (
            info.max_length is not None
            and info.max_length <= limits.max_items
            and _closed(info.item_type, limits)
        )
    if isinstance(info, mi.IntType):
        return _bounded_int(info)
    return isinstance(
        info,
        mi.BoolType | mi.NoneType | mi.DateTimeType | mi.UUIDType | mi.LiteralType | mi.EnumType,
    )


@functools.cache
def _payload_decoder(cls: type[Payload]) -> msgspec.json.Decoder[Any] | None:
    closed = _closed(mi.type_info(cls), DEFAULT_LIMITS)
    return msgspec.json.Decoder(cls) if closed else None


def decode(data: bytes, payload_type: Any, limits: Limits) -> Envelope | None:
    """The envelope, or None when only the slow path can decide."""
    if limits != DEFAULT_LIMITS or len(data) > limits.max_envelope_bytes:
        return None
    try:
        head = _head.decode(data)
        cls = payload_type(head.type)
        decoder = None if cls is None else _payload_decoder(cls)
        if decoder is None:
            return None
        payload = decoder.decode(head.payload)
    except (msgspec.DecodeError, UnicodeDecodeError):
        return None
    return Envelope(**{f: getattr(head, f) for f in _HEADER_FIELDS}, payload=payload)


def warm(cls: type[Payload]) -> None:
    """Build ``cls``'s decoder now rather than at its first event."""
    _payload_decoder(cls)
