"""Re-checking records one at a time: canonical bytes, position, per-incident continuity
and the database's columns against what each record says.

The same checker serves the offline verifier (standard-library JSON) and the live
``ledger verify`` (which passes msgspec's faster codec), so both agree on what a broken
chain is. It keeps, per incident, only the last version, position and hash: memory grows
with the incidents, not the records. It also leaves the record's hashes on itself, so
that callers building the Merkle tree do not hash every record twice.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable
from typing import Any, NamedTuple

from ledger_verify import canonical
from ledger_verify.pin_file import Head as Head  # re-exported: the checker keeps them
from ledger_verify.report import Finding

COLUMNS = (
    "position", "event_id", "incident_id", "version", "type", "source",
    "occurred_at", "recorded_at", "hash", "prev_position", "prev_hash",
)  # fmt: skip
_columns_of = operator.itemgetter(*COLUMNS)
_NO_LINK = (None, None)
_LEAF = hashlib.sha256(b"\x00")  # RFC 6962's leaf prefix, hashed once and copied
_sha256 = hashlib.sha256
# An incident's first record in a stretch checked on its own: position, incident,
# version, prev and event id, for its continuity to be judged once the stretch before is.
First = tuple[int, str, int, Any, str]


class Codec(NamedTuple):
    decode: Callable[[bytes], Any]
    encode: Callable[[Any], bytes]  # canonical encoding of what ``decode`` returned


STDLIB = Codec(canonical.decode, canonical.encode_decoded)


def read_columns(line: bytes, codec: Codec = STDLIB) -> tuple[dict[str, Any] | None, str]:
    """A columns line as an object, and what is wrong with its form ("" if nothing).

    Lines must be canonical so that no edit, down to one byte, leaves them meaning the
    same: an edit that keeps the values changes the form."""
    try:
        value = codec.decode(line)
    except Exception:
        return None, "the columns line is not JSON"
    if not isinstance(value, dict):
        return None, "the columns line is not a JSON object"
    if codec.encode(value) != line:
        return value, "the columns line is not canonical JSON (sorted keys, no white space)"
    return value, ""


def _version_problem(incident: str, version: int, head: Head | None) -> str:
    last = head[0] if head else 0
    if version == last + 1:
        return ""
    after = f"after version {last}" if last else "as its first record here"
    if version <= last:
        return (
            f"version {version} of {incident} comes {after}: a version repeats or is out of order"
        )
    gap = (
        f"version {last + 1} is"
        if version == last + 2
        else f"versions {last + 1}–{version - 1} are"
    )
    return f"version {version} of {incident} comes {after}: {gap} missing"


def _link_problem(incident: str, prev: Any, head: Head | None) -> str:
    if head is None:
        if prev is None:
            return ""
        return f"prev names {prev!r}, but no earlier record of {incident} precedes it"
    linked = isinstance(prev, dict) and len(prev) == 2 and prev.get("position") == head[1]
    if linked and prev.get("hash") == head[2]:
        return ""
    return (
        f"prev names {prev!r}, not the previous record of {incident} "
        f"(position {head[1]}, hash {head[2]})"
    )


class Checker:
    """Fed every record in position order (or one incident's records, for a bundle).

    ``check`` runs for every record of the log, so it takes one straight path when all is
    well, and works out what exactly is wrong only when something is."""

    def __init__(
        self, codec: Codec = STDLIB, origin: str | None = None, *, stretch: bool = False
    ) -> None:
        """``stretch``: the records start mid-log, so an incident's first record here is
        kept in ``firsts`` for ``continuity`` instead of having to be its version 1."""
        self.codec, self.origin = codec, origin
        self.firsts: list[First] | None = [] if stretch else None
        self._decode, self._encode = codec.decode, codec.encode
        self.heads: dict[str, Head] = {}
        self.leaf = self.hash = b""  # of the last record checked
        self.event_id: str | None = None
        self.incident: str | None = None

    def sound_line(self, position: int, record: bytes, line: bytes | None) -> bool:
        """Whether the record is sound beside its columns line (None: where there are no
        columns, as in a served log), as a quick path can tell (its state then kept);
        never here: ``check`` does it all."""
        return False

    def check(
        self, position: int, record: bytes, columns: dict[str, Any] | tuple[Any, ...] | None
    ) -> list[Finding]:
        """The findings for ``record``, which sits at ``position``, beside its columns (by
        name, or as a tuple in ``COLUMNS`` order)."""
        self.hash = digest = _sha256(record).digest()
        leaf = _LEAF.copy()
        leaf.update(record)
        self.leaf, self.event_id, self.incident = leaf.digest(), None, None
        try:
            doc = self._decode(record)
            event, version, prev = doc["event"], doc["version"], doc["prev"]
            claimed, incident, event_id = doc["position"], event["incident_id"], event["event_id"]
            same = self._encode(doc) == record
        except Exception:
            return [self._unreadable(position, record)]
        if type(incident) is not str or type(event_id) is not str or type(version) is not int:
            return [Finding("not-a-record", "the record is not a ledger record", position)]
        self.event_id, self.incident, hexhash = event_id, incident, digest.hex()
        origin, head = self.origin, self.heads.get(incident)
        well_formed = same and claimed == position and len(doc) == 7 and doc.get("v") == 1
        if well_formed and (origin is None or doc.get("origin") == origin):
            found = []
        else:
            found = self._envelope(position, doc, same)
        if head is None:
            chained = version == 1 and prev is None
            if self.firsts is not None:
                self.firsts.append((position, incident, version, prev, event_id))
                chained = True
        else:
            chained = version == head[0] + 1 and type(prev) is dict and len(prev) == 2
            chained = chained and prev.get("position") == head[1] and prev.get("hash") == head[2]
        if not chained:
            found += continuity((position, incident, version, prev, event_id), head)
        if columns is not None:
            link = (prev.get("position"), prev.get("hash")) if type(prev) is dict else _NO_LINK
            want = (
                claimed, event_id, incident, version, event.get("type"),
                event.get("source"), event.get("occurred_at"), doc.get("recorded_at"), hexhash,
                *link,
            )  # fmt: skip
            if isinstance(columns, tuple):
                if columns != want:
                    found += self._columns(
                        position, dict(zip(COLUMNS, columns, strict=False)), want
                    )
            else:
                try:
                    agree = len(columns) == len(COLUMNS) and _columns_of(columns) == want
                except KeyError:  # a column renamed
                    agree = False
                if not agree:
                    found += self._columns(position, columns, want)
        self.heads[incident] = (version, position, hexhash)
        return found

    def _unreadable(self, position: int, record: bytes) -> Finding:
        """Why a record could not be read: not JSON, not a record, or no canonical form."""
        try:
            doc = self.codec.decode(record)
        except canonical.NotCanonical as error:
            return Finding("not-canonical", f"the record is not canonical JSON: {error}", position)
        except Exception:
            return Finding("not-json", "the record is not JSON", position)
        try:
            doc["event"]["incident_id"], doc["event"]["event_id"], doc["version"], doc["prev"]
            doc["position"]
        except Exception:
            return Finding("not-a-record", "the record is not a ledger record", position)
        message = "the record bytes are not canonical JSON: their value has no canonical form"
        return Finding("not-canonical", message, position)

    def _envelope(self, position: int, doc: dict[str, Any], same: bool) -> list[Finding]:
        found, event_id = [], self.event_id
        if not same:
            message = "the record bytes are not canonical JSON (the hash covers other bytes)"
            found.append(Finding("not-canonical", message, position, event_id))
        if doc.get("position") != position:
            message = (
                f"the record says it is at position {doc.get('position')!r}, but it sits at "
                f"position {position}: records were deleted, inserted or reordered"
            )
            found.append(Finding("position", message, position, event_id))
        if len(doc) != 7 or doc.get("v") != 1:
            message = f"the envelope is not format 1: fields {sorted(doc)}, v {doc.get('v')!r}"
            found.append(Finding("envelope", message, position, event_id))
        if self.origin is not None and doc.get("origin") != self.origin:
            message = f"the record is from origin {doc.get('origin')!r}, not {self.origin!r}"
            found.append(Finding("origin", message, position, event_id))
        return found

    def _columns(
        self, position: int, columns: dict[str, Any], want: tuple[Any, ...]
    ) -> list[Finding]:
        """One finding for the hash column, one naming every other column that differs."""
        problems = _column_problems(columns, dict(zip(COLUMNS, want, strict=True)))
        hashes = [m for name, m in problems if name == "hash"]
        others = [m for name, m in problems if name != "hash"]
        found = [Finding("column", "; ".join(others), position, self.event_id)] if others else []
        return found + [Finding("column-hash", m, position, self.event_id) for m in hashes]


def continuity(first: First, head: Head | None) -> list[Finding]:
    """What is wrong with a record following ``head``, its incident's previous record."""
    position, incident, version, prev, event_id = first
    found = []
    if problem := _version_problem(incident, version, head):
        found.append(Finding("version", problem, position, event_id))
    if problem := _link_problem(incident, prev, head):
        found.append(Finding("prev", problem, position, event_id))
    return found


def _column_problems(columns: dict[str, Any], want: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for name, value in want.items():
        if name not in columns:
            problems.append((name, f"column {name} is missing"))
        elif name == "hash" and columns[name] != value:
            problems.append((name, f"column hash {columns[name]!r} is not SHA-256 of the record"))
        elif columns[name] != value:
            message = f"column {name} is {columns[name]!r}, the record says {value!r}"
            problems.append((name, message))
    problems += [(k, f"column {k} is not one of the columns") for k in columns if k not in want]
    return problems
