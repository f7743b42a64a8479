"""Whose a personal value is: its data subject, from where the value sits in an event. Pure.

A data subject is named by the event that mentions them: ``<incident_id>:<role>``, the role
being what the event's type makes of the person in its ``personal`` block (the reporter of
``incident.reported``, the claimant of a claim, the casualty of ``casualty.recorded``, the
person an action concerned) or ``recipient:<recipient_role>`` for a notification's
recipient; the name of an event's actor is the actor's own (``actor:<actor id>``, across
incidents). Everything held about one subject is erased together (docs/erasure.md).
"""

from __future__ import annotations

from typing import Any, Final

from contracts.lifecycle import name_of
from contracts.personal import Path, personal_values

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


def holds_values_of(event: dict[str, Any], subject: str) -> bool:
    """Whether ``event`` (its JSON form, sealed or as published) holds a personal value of
    ``subject``; an event too malformed to say holds none it could be found by."""
    try:
        return any(subject_of(event, path) == subject for path, _ in personal_values(event))
    except (KeyError, TypeError, AttributeError):
        return False
