"""Runtime limits and the restricted JSON profile, checked before any typed decoding.

The profile (what canonical encoding needs): no floats anywhere, integers within
±(2^53−1), ASCII object keys, no U+0000 in any string (PostgreSQL's text cannot hold
it). The limits are configurable; the defaults are documented in contracts/README.md.
Every violation names the JSON path of the offending value.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator
from typing import Any, Final

import msgspec

from contracts.errors import ContractError
from contracts.types import MAX_SAFE_INTEGER

MAX_RECORD_BYTES: Final = 0xFFFF
"""The largest record the ledger stores: a ``tlog-tiles`` entry bundle frames each record
with a big-endian uint16 length. The ingest refuses (``oversize``) an event whose record
would be longer."""
RECORD_HEADROOM: Final = 1023
"""What a record may add to its envelope: the record's own fields (position, link, time,
version: about 250 bytes, and the log's origin), the canonical form's defaults and
timestamps, and sealing (up to 7 personal values an event, each at most 46 bytes longer as
its token). A unit test holds a maximal envelope, every personal field sealed, within
``MAX_RECORD_BYTES``."""
MAX_ORIGIN_BYTES: Final = 128
"""The longest log origin (UTF-8): it is in every record, within ``RECORD_HEADROOM``."""


class Limits(msgspec.Struct, frozen=True, kw_only=True):
    """Caps on an inbound envelope. Defaults: 63 KiB, 8192-character strings,
    256-item lists and objects, nesting depth 16."""

    max_envelope_bytes: int = MAX_RECORD_BYTES - RECORD_HEADROOM  # 63 KiB: its record fits
    max_string_length: int = 8192
    max_items: int = 256
    max_depth: int = 16

    def __post_init__(self) -> None:
        if self.max_envelope_bytes > MAX_RECORD_BYTES - RECORD_HEADROOM:
            raise ValueError(
                f"max_envelope_bytes {self.max_envelope_bytes}: at most"
                f" {MAX_RECORD_BYTES - RECORD_HEADROOM}, so that every record fits"
                f" {MAX_RECORD_BYTES} bytes"
            )


DEFAULT_LIMITS = Limits()

# JSON nested deeper than this is refused from its bytes alone, before any decoder sees
# it: msgspec (and pickle) recurse per level, and a few thousand levels exhaust the stack.
# Between ``max_depth`` and this, the decoded tree is refused by the profile's walk, which
# names the path of the first container too deep.
MAX_RAW_DEPTH = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
# Every byte but the brackets deleted, and each opener made 2, each closer 0: the running
# sum after ``i`` brackets, less ``i``, is the depth there.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_AS_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


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
    if isinstance(value, str) and "\x00" in value:
        raise ContractError("schema_violation", "strings must not contain U+0000 (NUL)", path)
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


def check_nesting(data: bytes, max_depth: int = MAX_RAW_DEPTH) -> None:
    """Raise ``ContractError`` ("oversize") when the JSON text ``data`` nests containers
    more than ``max_depth`` deep (the outermost at depth 0), read from the bytes without
    decoding: brackets inside strings do not count. A text with fewer openers than the
    limit is passed after two counts, one with a run of openers past it at once."""
    if data.count(b"[") + data.count(b"{") <= max_depth + 1:
        return
    steps = _STRING.sub(b"", data).translate(_AS_STEPS, _NOT_BRACKETS)
    if b"\x02" * (max_depth + 2) in steps or _deepest(steps) > max_depth + 1:
        raise ContractError("oversize", f"JSON nested deeper than {max_depth}", "$")


def _deepest(steps: bytes) -> int:
    """The greatest depth along ``steps`` (see ``_AS_STEPS``), summed by C iterators (a
    Python loop took 1.3 ms for 5,000 levels) after the innermost pairs are peeled in one
    pass: a balanced text's deepest point is such a pair, so it is one level shallower
    then; an unbalanced one (invalid JSON in any case) may be judged one level deeper."""
    peeled = steps.replace(b"\x02\x00", b"")
    if not peeled:
        return 1 if steps else 0
    depths: Iterator[int] = map(operator.sub, itertools.accumulate(peeled), itertools.count(1))
    return max(depths) + (peeled != steps)


def check_profile(value: Any, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise ``ContractError`` for the first value outside the profile or the limits."""
    _walk(value, limits, "$", 0)


def _walk(value: Any, limits: Limits, path: str, depth: int) -> None:
    if isinstance(value, dict):
        _check_container(value, path, limits, depth)
        for key, item in value.items():
            if not key.isascii() or "\x00" in key:
                raise ContractError(
                    "schema_violation", "object keys must be ASCII, without NUL", _child(path, key)
                )
            _walk(item, limits, _child(path, key), depth + 1)
    elif isinstance(value, list):
        _check_container(value, path, limits, depth)
        for index, item in enumerate(value):
            _walk(item, limits, _child(path, index), depth + 1)
    else:
        _check_scalar(value, path, limits)
