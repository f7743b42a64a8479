"""Canonical JSON with the standard library: the bytes the ledger hashes, re-derived.

The profile (``contracts.canonical``): sorted keys, no white space, UTF-8 strings left
unescaped but for what JSON requires, integers only (within ±(2^53−1)). On it,
``json.dumps`` with these settings writes exactly RFC 8785, so a verifier needs no
third-party encoder to tell whether stored bytes are canonical; a unit property test
holds the two encoders equal.
"""

from __future__ import annotations

import json
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1

_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


class NotCanonical(ValueError):
    """A value outside the profile: a float, a huge integer, a non-string key."""


def _check(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"object keys are strings, not {type(key).__name__}")
            _check(item)
    elif isinstance(value, list):
        for item in value:
            _check(item)
    elif isinstance(value, float):
        raise NotCanonical("floats have no canonical form here; use integers")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        raise NotCanonical(f"integer {value} is beyond ±(2^53−1)")


def encode(value: Any) -> bytes:
    """The canonical bytes of a JSON value of the profile; refuses anything outside it."""
    _check(value)
    return _dumps(value).encode()


def encode_decoded(value: Any) -> bytes:
    """``encode`` for a value that ``decode`` produced, which holds no float by then."""
    return _dumps(value).encode()


def _refuse_float(text: str) -> Any:
    raise NotCanonical(f"{text} is not an integer")


def _safe_int(text: str) -> int:
    value = int(text)
    if abs(value) > MAX_SAFE_INTEGER:
        raise NotCanonical(f"integer {text} is beyond ±(2^53−1)")
    return value


def decode(data: bytes) -> Any:
    """Strict UTF-8 JSON of the profile (no floats, NaN or huge integers)."""
    return json.loads(
        data.decode("utf-8"),
        parse_float=_refuse_float,
        parse_constant=_refuse_float,
        parse_int=_safe_int,
    )


def is_canonical(data: bytes) -> bool:
    """Whether ``data`` is exactly the canonical encoding of the value it holds."""
    try:
        return encode_decoded(decode(data)) == data
    except (ValueError, RecursionError):  # not JSON or UTF-8, outside the profile, too deep
        return False
