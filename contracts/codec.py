"""Decoding inbound bytes into an ``Envelope``, with precise rejections.

Stages: size and nesting (from the bytes) → JSON → profile and limits → known ``type`` →
envelope header → payload struct of that type → clock skew. Each rejection is a
``ContractError`` with one of the codes ``oversize``, ``invalid_json``,
``schema_violation``, ``unknown_type`` or ``future_timestamp`` and the JSON path of the
field at fault.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec

from contracts import canonical, fastpath, money, privacy_rules, profile_rules
from contracts.envelope import Envelope, RawEnvelope
from contracts.errors import ContractError
from contracts.limits import DEFAULT_LIMITS, Limits, check_nesting, check_profile
from contracts.registry import DEFAULT_REGISTRY, Registry

MAX_ENVELOPE_BYTES = DEFAULT_LIMITS.max_envelope_bytes
T = TypeVar("T")
_AT = re.compile(r" - at `(\$[^`]*)`$")
_FIELD = re.compile(r"^Object (?:missing required|contains unknown) field `([^`]+)`")


def _error(exc: msgspec.ValidationError, prefix: str) -> ContractError:
    text = str(exc)
    match = _AT.search(text)
    path = prefix + (match.group(1)[1:] if match else "")
    message = text[: match.start()] if match else text
    field = _FIELD.match(message)
    if field:
        path = f"{path}.{field.group(1)}"
    return ContractError("schema_violation", message, path)


def _convert(value: Any, cls: type[T], prefix: str) -> T:
    try:
        return msgspec.convert(value, cls)
    except msgspec.ValidationError as exc:
        raise _error(exc, prefix) from None


# Every float read as a float, however large: msgspec's own check of ``1e400`` names no
# path, while the profile's refusal of floats names the field.
_tree = msgspec.json.Decoder(float_hook=float)
# U+0000 is valid JSON and Unicode, but PostgreSQL's text cannot hold it: a read model
# would fail on the event for ever. Its only JSON spelling is this escape (a raw NUL byte
# is malformed JSON); a message holding it takes the path that checks every string.
_NUL = b"\\u0000"


def _parse(data: bytes, limits: Limits) -> Any:
    if len(data) > limits.max_envelope_bytes:
        raise ContractError(
            "oversize", f"envelope is {len(data)} bytes; the limit is {limits.max_envelope_bytes}"
        )
    try:
        tree = _tree.decode(data)
    except msgspec.ValidationError as exc:
        raise _error(exc, "$") from None
    except msgspec.DecodeError as exc:
        raise ContractError("invalid_json", str(exc)) from None
    except UnicodeDecodeError as exc:
        raise ContractError(
            "invalid_json", f"not UTF-8: {exc.reason} at byte {exc.start}"
        ) from None
    check_profile(tree, limits)
    return tree


def _check_type(tree: Any, registry: Registry) -> None:
    if not isinstance(tree, dict):
        raise ContractError("schema_violation", "an envelope must be a JSON object")
    tag = tree.get("type")
    if isinstance(tag, str) and registry.payload_type(tag) is None:
        known = registry.versions_of(tag)
        hint = f"; known versions: {', '.join(known)}" if known else ""
        raise ContractError("unknown_type", f"unknown event type {tag!r}{hint}", "$.type")


def validate(tree: Any, registry: Registry = DEFAULT_REGISTRY) -> Envelope:
    """Validate decoded JSON (or a stored event object) into a typed ``Envelope``."""
    _check_type(tree, registry)
    head = _convert(tree, RawEnvelope, "$")
    cls = registry.payload_type(head.type)
    assert cls is not None  # checked by _check_type
    payload = _convert(head.payload, cls, "$.payload")
    fields = {f: getattr(head, f) for f in head.__struct_fields__ if f != "payload"}
    return Envelope(**fields, payload=payload)


def _check_skew(envelope: Envelope, now: datetime | None, max_skew: float) -> None:
    limit = (now or datetime.now(UTC)) + timedelta(seconds=max_skew)
    if envelope.occurred_at > limit:
        raise ContractError(
            "future_timestamp",
            f"occurred_at is more than {max_skew:.0f}s in the future",
            "$.occurred_at",
        )


def decode_envelope(
    data: bytes,
    *,
    now: datetime | None = None,
    max_skew: float = 300.0,
    limits: Limits = DEFAULT_LIMITS,
    registry: Registry = DEFAULT_REGISTRY,
) -> Envelope:
    """Decode and validate one published event; raise ``ContractError`` if it is refused."""
    if len(data) > limits.max_envelope_bytes:
        raise ContractError(
            "oversize", f"envelope is {len(data)} bytes; the limit is {limits.max_envelope_bytes}"
        )
    check_nesting(data)
    envelope = None if _NUL in data else fastpath.decode(data, registry.payload_type, limits)
    if envelope is None:
        envelope = validate(_parse(data, limits), registry)
    _check_skew(envelope, now, max_skew)
    profile_rules.check(envelope)
    privacy_rules.check(envelope)
    money.check(envelope.payload)
    return envelope


def encode_envelope(envelope: Envelope) -> bytes:
    """The canonical bytes of an envelope: what a publisher should send."""
    return canonical.encode(envelope)


def read_event_bytes(data: bytes, registry: Registry = DEFAULT_REGISTRY) -> Envelope:
    """A stored event's bytes, validated and upcast (no clock check: it is history)."""
    envelope = fastpath.decode(data, registry.payload_type, DEFAULT_LIMITS)
    if envelope is None:
        envelope = validate(msgspec.json.decode(data), registry)
    return registry.upcast(envelope)


def read_event(event: dict[str, Any], registry: Registry = DEFAULT_REGISTRY) -> Envelope:
    """A stored event object, validated and upcast to the newest version (for readers)."""
    return registry.upcast(validate(event, registry))
