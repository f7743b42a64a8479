"""What of a batch is to be sealed: the events that hold personal values, found by a cheap
look at their canonical bytes and then decoded, and each value with its place and its data
subject (``ledger.store.sealer`` seals them). Pure."""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import msgspec

from contracts.personal import Path, personal_values
from ledger.domain.prepared import Prepared
from ledger.domain.subjects import corrects_personal, subject_of

_decode = msgspec.json.Decoder(dict[str, Any]).decode
MARKERS: Final = (b'"personal":{', b'"corrected":{')
"""Where a payload's personal values sit, whatever their shape (a unit test holds every
event type to these and the two named fields below); a correction's may sit in its
``corrected``."""
_NAMED: Final = (b'"recipient_name":"', b',"name":"')  # a string each, personal if not empty


def may_hold_personal(event: bytes) -> bool:
    """Whether an event's canonical bytes may hold a personal value (conservative: the
    event is decoded only if so). A named field left empty holds none: most notifications
    name no recipient."""
    personal, corrected = MARKERS
    if personal in event or corrected in event:
        return True
    recipient, name = _NAMED
    actor = event.find(b'"actor":{')
    return _filled(event, recipient, 0) or (actor >= 0 and _filled(event, name, actor, 1))


def _filled(event: bytes, field: bytes, start: int, most: int = -1) -> bool:
    """Whether ``field`` (a key and its string's opening quote), from ``start`` on, holds a
    string that is not empty (in its first ``most`` occurrences, or any: a quote inside a
    string is escaped, so every occurrence is a key)."""
    at = event.find(field, start)
    while at >= 0 and most != 0:
        end = at + len(field)
        if event[end : end + 1] != b'"':
            return True
        at, most = event.find(field, end), most - 1
    return False


class Value(NamedTuple):
    """A personal value to seal."""

    at: int  # the event's index in the batch
    path: Path
    subject: str
    value: str
    event_id: str
    incident_id: str
    where: str  # ``path`` as ``sealed_values`` names it


def value(at: int, path: Path, subject: str, text: str, event_id: str, incident: str) -> Value:
    return Value(at, path, subject, text, event_id, incident, ".".join(path))


def personal(prepared: list[Prepared]) -> tuple[dict[int, dict[str, Any]], list[Value]]:
    """The events of ``prepared`` not sealed yet that hold personal values or are
    corrections that may (decoded, by index), and the values they hold themselves."""
    events: dict[int, dict[str, Any]] = {}
    values: list[Value] = []
    for at, item in enumerate(prepared):
        if item.sealed or not may_hold_personal(item.event):
            continue
        event = _decode(item.event)
        found = personal_values(event)
        if found or corrects_personal(event):
            events[at] = event
            ids = str(event["event_id"]), str(event["incident_id"])
            values += [value(at, path, subject_of(event, path), v, *ids) for path, v in found]
    return events, values
