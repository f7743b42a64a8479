"""Runtime limits and the restricted JSON profile, checked before any typed decoding.

The profile (what canonical encoding needs): no floats anywhere, integers within
±(2^53−1), ASCII object keys. The limits are configurable; the defaults are documented
in contracts/README.md. Every violation names the JSON path of the offending value.
"""

from __future__ import annotations

from typing import Any

import msgspec

from contracts.errors import ContractError
from contracts.types import MAX_SAFE_INTEGER


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Caps on an inbound envelope. Defaults: 63 KiB, 8192-character strings,
    256-item lists and objects, nesting depth 16."""

    max_envelope_bytes: int = 63 * 1024  # a record (envelope + ~300 bytes) fits in 65,535
    max_string_length: int = 8192
    max_items: int = 256
    max_depth: int = 16


DEFAULT_LIMITS = Limits()


def _child(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _check_scalar(value: Any, path: str, limits: Limits) -> None:
    if isinstance(value, float):
        raise ContractError(
            "schema_violation",
            "floats are not allowed; send integers (money in integer minor units)",
            path,
        )
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        raise ContractError("schema_violation", "integer outside ±(2^53−1)", path)
    if isinstance(value, str) and len(value) > limits.max_string_length:
        raise ContractError(
            "oversize",
            f"string of {len(value)} characters; the limit is {limits.max_string_length}",
            path,
        )


def _check_container(
    value: dict[str, Any] | list[Any], path: str, limits: Limits, depth: int
) -> None:
    if len(value) > limits.max_items:
        raise ContractError(
            "oversize", f"{len(value)} items; the limit is {limits.max_items}", path
        )
    if depth > limits.max_depth:
        raise ContractError("oversize", f"nested deeper than {limits.max_depth}", path)


def check_profile(value: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise ``ContractError`` for the first value outside the profile or the limits."""
    _walk(value, limits, "$", 0)


def _walk(value: Any, limits: Limits, path: str, depth: int) -> None:
    if isinstance(value, dict):
        _check_container(value, path, limits, depth)
        for key, item in value.items():
            if not key.isascii():
                raise ContractError(
                    "schema_violation", "object keys must be ASCII", _child(path, key)
                )
            _walk(item, limits, _child(path, key), depth + 1)
    elif isinstance(value, list):
        _check_container(value, path, limits, depth)
        for index, item in enumerate(value):
            _walk(item, limits, _child(path, index), depth + 1)
    else:
        _check_scalar(value, path, limits)
