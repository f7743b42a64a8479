"""The quick path for records exactly as the ledger writes them, shared by ``ledger verify``
and ``ledger-verify``: ``Checker`` on msgspec (imported only where msgspec is installed;
``ledger_verify.quick`` falls back to the plain ``Checker`` elsewhere).

Such a record is decoded into typed structs (msgspec's quickest path, about two thirds
of the cost of plain objects), re-encoded to prove it canonical, and judged in a few
comparisons; its columns are compared as a tuple (from the database) or as the one
canonical line they must be (from an export: encoded from the record and compared byte
for byte, instead of parsed). Anything else, and any doubt (a float, an integer that may
be beyond ±(2^53−1), a field missing or extra, a broken link, a column that differs),
goes to ``Checker.check`` unchanged, which works out and words what is wrong. The quick
path only ever says "this record is sound", so it cannot hide a finding; a unit test
holds the two paths to the same findings, hashes and heads on every kind of damage.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec

from ledger_verify import canonical
from ledger_verify.records import Checker, Codec
from ledger_verify.report import Finding

# Every integer beyond ±(2^53−1) is written with 16 digits or more. Found by mapping
# digits to "0" and searching for 16 of them: a tenth of what a regular expression costs.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x2E for b in range(256))
_SIXTEEN = b"0" * 16


def _no_float(text: str) -> Any:
    raise ValueError(text)


_decode_any = msgspec.json.Decoder(float_hook=_no_float).decode


def _profiled(record: bytes) -> Any:
    """msgspec's decoding held to the canonical profile, as the offline verifier holds
    it: a record with a float or a run of 16 digits (rare; a huge integer, or one inside
    a string) is decoded by ``ledger_verify.canonical`` instead, which refuses what the
    profile has no canonical form for, in its own words."""
    if _SIXTEEN in record.translate(_DIGITS):
        return canonical.decode(record)
    try:
        return _decode_any(record)
    except msgspec.ValidationError:  # a float: only the hook raises that
        return canonical.decode(record)


_encode = msgspec.json.Encoder(order="sorted").encode
FAST = Codec(_profiled, _encode)  # the full path's codec

_Int = Annotated[int, msgspec.Meta(ge=-(2**53 - 1), le=2**53 - 1)]
_Struct = {"forbid_unknown_fields": True, "gc": False}


class _Prev(msgspec.Struct, **_Struct):
    hash: str
    position: _Int


class _Event(msgspec.Struct, **_Struct):
    """Every field the contracts' envelope writes (``contracts.envelope``), none optional:
    a record without one is not as the ledger writes it and takes the full path."""

    actor: Any
    causation_id: Any
    correlation_id: Any
    event_id: str
    expected_version: Any
    incident_id: str
    occurred_at: str
    payload: Any
    source: str
    type: str


class _Record(msgspec.Struct, **_Struct):
    event: _Event
    origin: str
    position: _Int
    prev: _Prev | None
    recorded_at: str
    v: int
    version: _Int


class _Line(msgspec.Struct, gc=False):
    """A columns line as an export writes it (``records.COLUMNS``, keys sorted)."""

    event_id: str
    hash: str
    incident_id: str
    occurred_at: str
    position: int
    prev_hash: str | None
    prev_position: int | None
    recorded_at: str
    source: str
    type: str
    version: int


_decode = msgspec.json.Decoder(_Record, float_hook=_no_float).decode
_LEAF = hashlib.sha256(b"\x00")
_sha256 = hashlib.sha256


class QuickChecker(Checker):
    def __init__(self, origin: str | None = None, *, stretch: bool = False) -> None:
        super().__init__(FAST, origin, stretch=stretch)

    def check(
        self, position: int, record: bytes, columns: dict[str, Any] | tuple[Any, ...] | None
    ) -> list[Finding]:
        if isinstance(columns, tuple) and self._sound(position, record, columns):
            return []
        return super().check(position, record, columns)

    def sound_line(self, position: int, record: bytes, line: bytes | None) -> bool:
        return self._sound(position, record, None, line)

    def _sound(
        self, position: int, record: bytes, columns: tuple[Any, ...] | None,
        line: bytes | None = b"",
    ) -> bool:  # fmt: skip
        """Whether ``record`` is sound where it sits beside its columns (a tuple, or else
        their line; neither: a served log has none), its state kept if so. One straight
        run of comparisons (50 lines) because it runs for every record of the log."""
        if _SIXTEEN in record.translate(_DIGITS):  # maybe a huge integer
            return False
        try:
            doc = _decode(record)
        except (msgspec.DecodeError, UnicodeDecodeError):  # not JSON (or UTF-8), a float, a
            # field missing, extra or mistyped
            return False
        if doc.position != position or doc.v != 1 or _encode(doc) != record:
            return False
        if self.origin is not None and doc.origin != self.origin:
            return False
        event, prev, version = doc.event, doc.prev, doc.version
        incident, head = event.incident_id, self.heads.get(event.incident_id)
        if head is not None:
            if prev is None or version != head[0] + 1 or prev.position != head[1]:
                return False
            if prev.hash != head[2]:
                return False
        elif self.firsts is None and (version != 1 or prev is not None):
            return False
        digest = _sha256(record).digest()
        hexhash = digest.hex()
        link = (None, None) if prev is None else (prev.position, prev.hash)
        if columns is not None:
            if columns != (
                position, event.event_id, incident, version, event.type, event.source,
                event.occurred_at, doc.recorded_at, hexhash, *link,
            ):  # fmt: skip
                return False
        elif line is not None:
            want = _Line(
                event.event_id, hexhash, incident, event.occurred_at, position, link[1],
                link[0], doc.recorded_at, event.source, event.type, version,
            )  # fmt: skip
            if _encode(want) != line:
                return False
        if head is None and self.firsts is not None:
            self.firsts.append((position, incident, version, _builtin(prev), event.event_id))
        leaf = _LEAF.copy()
        leaf.update(record)
        self.leaf, self.hash = leaf.digest(), digest
        self.event_id, self.incident = event.event_id, incident
        self.heads[incident] = (version, position, hexhash)
        return True


def _builtin(prev: _Prev | None) -> dict[str, Any] | None:
    """``prev`` as the full path keeps it for ``continuity``: a plain object."""
    return None if prev is None else {"hash": prev.hash, "position": prev.position}
