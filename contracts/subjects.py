"""Whose a personal value is: its data subject, from where the value sits in an event. Pure.

A data subject is named by the event that mentions them: ``<incident_id>:<role>``, the role
being what the event's type makes of the person in its ``personal`` block (the reporter of
``incident.reported``, the claimant of a claim, the casualty of ``casualty.recorded``, the
person an action concerned) or ``recipient:<recipient_role>`` for a notification's
recipient; the name of an event's actor is the actor's own (``actor:<actor id>``, across
incidents). Everything held about one subject is erased together (docs/erasure.md).

A correction (``event.corrected.v1``) holds, in ``corrected``, new values of the corrected
event's payload fields: one that is personal in the corrected event's type is its
subject's, as if that event had held it (:func:`corrected_values`), the type being looked
up (:class:`Target`). Of a correction whose target is unknown, a field that is personal in
any type (:data:`PERSONAL_FIELDS`) is the subject ``<incident_id>:correction``'s.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from contracts.lifecycle import name_of
from contracts.personal import Path, personal_payload_fields, personal_values
from contracts.registry import DEFAULT_REGISTRY

ROLES: Final = {
    "incident.reported": "reporter",
    "claim.opened": "claimant",
    "claim.updated": "claimant",
    "casualty.recorded": "casualty",
    "action.taken": "person",
}
"""The role a ``personal`` block gives its person, by event name (others: the name's first
word)."""


def subject_of(event: dict[str, Any], path: Path) -> str:
    """The data subject of the personal value at ``path`` in ``event`` (its JSON form)."""
    if path[0] == "actor":
        return f"actor:{event['actor']['id']}"
    name = name_of(str(event["type"]))
    incident = event["incident_id"]
    if path[-1] == "recipient_name":
        return f"{incident}:recipient:{event['payload'].get('recipient_role', '')}"
    return f"{incident}:{ROLES.get(name, name.split('.')[0])}"


CORRECTION: Final = "event.corrected"
UNKNOWN_TARGET: Final = "correction"
"""The role of a correction's personal values when the event it corrects is unknown."""
PERSONAL_FIELDS: Final = personal_payload_fields()
"""The payload fields personal (or holding personal fields) in some event type."""


class Target(NamedTuple):
    """What of a corrected event names its values' subjects: its type, and a
    notification's ``recipient_role``."""

    type: str
    recipient_role: str = ""


def corrects_personal(event: dict[str, Any]) -> str | None:
    """The ``corrects_event_id`` of a correction (JSON form) that may hold personal values
    (a field of :data:`PERSONAL_FIELDS` in ``corrected``); None for any other event."""
    payload = event.get("payload")
    if name_of(str(event.get("type"))) != CORRECTION or not isinstance(payload, dict):
        return None
    corrected = payload.get("corrected")
    if not isinstance(corrected, dict) or not PERSONAL_FIELDS & corrected.keys():
        return None
    return str(payload.get("corrects_event_id"))


def corrected_values(event: dict[str, Any], target: Target | None) -> list[tuple[Path, str, str]]:
    """Every string under a field of :data:`PERSONAL_FIELDS` in a correction's
    ``corrected`` (JSON form), whatever its shape: its path in the correction, its subject
    (``target`` None: the corrected event is unknown) and the value."""
    corrected = event["payload"]["corrected"]
    incident = event["incident_id"]
    view = None
    if target is not None:
        payload = {"recipient_role": target.recipient_role, **corrected}
        view = {"type": target.type, "incident_id": incident, "payload": payload}
    found = []
    for key in sorted(PERSONAL_FIELDS & corrected.keys()):
        subject = (
            f"{incident}:{UNKNOWN_TARGET}" if view is None else subject_of(view, ("payload", key))
        )
        found += [
            (("payload", "corrected", *p), subject, v) for p, v in _strings(corrected[key], (key,))
        ]
    return found


def _strings(node: Any, at: Path) -> list[tuple[Path, str]]:
    if isinstance(node, str):
        return [(at, node)] if node else []
    if isinstance(node, dict):
        return [f for k, v in node.items() for f in _strings(v, (*at, str(k)))]
    if isinstance(node, list):
        return [f for i, v in enumerate(node) for f in _strings(v, (*at, str(i)))]
    return []


def holds_values_of(event: dict[str, Any], subject: str) -> bool:
    """Whether ``event`` (its JSON form, sealed or as published) holds a personal value of
    ``subject``; an event too malformed to say holds none it could be found by. A
    correction is judged without its target: a value it corrects is taken to be of every
    subject of its incident that a type holding that field could name."""
    try:
        if any(subject_of(event, path) == subject for path, _ in personal_values(event)):
            return True
        return corrects_personal(event) is not None and _may_correct(event, subject)
    except (KeyError, TypeError, AttributeError):
        return False


def _may_correct(event: dict[str, Any], subject: str) -> bool:
    corrected = event["payload"]["corrected"]
    targets = [
        Target(tag, str(corrected.get("recipient_role", ""))) for tag in DEFAULT_REGISTRY.types
    ]
    return any(s == subject for t in [*targets, None] for _, s, _ in corrected_values(event, t))
