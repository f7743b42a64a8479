"""The incident lifecycle the ledger enforces: which events a closed incident refuses.

States (``State``): ``new`` (nothing recorded yet), ``open``, ``resolved``, ``closed``,
``cancelled``. The ledger rejects an event with ``invalid_transition`` when:

- ``incident.reported`` arrives for an incident already reported;
- ``incident.resolved`` arrives for one not open;
- ``incident.closed`` arrives for one neither open nor resolved;
- ``incident.cancelled`` (false alarm) arrives for one not open;
- ``incident.reopened`` arrives for one that is open (or new);
- an operational event (dispatch, arrival, action, escalation, plan activation,
  classification, restoration) arrives for one closed or cancelled: reopen it first. A
  resolved incident still takes them: the scene is made safe and the service restored
  after the people are out.

An organisation's profile stream (:mod:`contracts.events.profile`) begins with
``organisation.registered`` and takes it only once; its other events (updates, sites)
are refused before it.

Everything else is a record that may come late and is always accepted, whatever the state:
notes, corrections, evidence, notifications, responders' departures, casualties, losses,
claims, reports filed and deadline waivers, pauses and resumptions. An incident's first
event may be any event: the systems that publish do not always see the report first.
"""

from __future__ import annotations

from typing import Literal

import msgspec

State = Literal["new", "open", "resolved", "closed", "cancelled"]
OPEN: tuple[State, ...] = ("new", "open")

OPERATIONAL = frozenset(
    {
        "plan.activated",
        "responder.dispatched",
        "responder.arrived",
        "action.taken",
        "incident.escalated",
        "incident.classified",
        "service.restored",
    }
)
ACTIVE: tuple[State, ...] = ("new", "open", "resolved")
# event name (tag without version) -> (states it is allowed in, state after it)
_STATUS_CHANGES: dict[str, tuple[tuple[State, ...], State]] = {
    "incident.resolved": (OPEN, "resolved"),
    "incident.closed": (("new", "open", "resolved"), "closed"),
    "incident.cancelled": (OPEN, "cancelled"),
    "incident.reopened": (("resolved", "closed", "cancelled"), "open"),
}


def name_of(tag: str) -> str:
    """``incident.closed.v1`` → ``incident.closed``."""
    return tag.rsplit(".", 1)[0]


class Lifecycle(msgspec.Struct, frozen=True):
    state: State = "new"
    reported: bool = False


NEW = Lifecycle()


_PROFILE_FOLLOWERS = frozenset({"organisation.updated", "site.registered", "site.updated"})


def _profile(current: Lifecycle, name: str) -> tuple[Lifecycle, str | None]:
    if name == "organisation.registered" and current.state != "new":
        return current, "the organisation is already registered: use organisation.updated"
    if name in _PROFILE_FOLLOWERS and current.state == "new":
        return current, f"register the organisation before recording {name}"
    return Lifecycle("open", current.reported), None


def advance(current: Lifecycle, tag: str) -> tuple[Lifecycle, str | None]:
    """The lifecycle after event ``tag``, and why it is refused (None when accepted)."""
    name = name_of(tag)
    if name == "organisation.registered" or name in _PROFILE_FOLLOWERS:
        return _profile(current, name)
    if name == "incident.reported":
        if current.reported:
            return current, "the incident is already reported"
        return Lifecycle("open" if current.state == "new" else current.state, True), None
    if name in _STATUS_CHANGES:
        allowed, after = _STATUS_CHANGES[name]
        if current.state not in allowed:
            return current, f"{name} is not allowed while the incident is {current.state}"
        return Lifecycle(after, current.reported), None
    if name in OPERATIONAL and current.state not in ACTIVE:
        return current, f"the incident is {current.state}: reopen it before recording {name}"
    return Lifecycle("open" if current.state == "new" else current.state, current.reported), None


def fold(tags: list[str], *, opened: bool = False) -> Lifecycle:
    """The lifecycle after recorded events (all of them accepted when recorded); ``opened``
    when the incident has events that ``tags`` leaves out (only RELEVANT ones given)."""
    current = Lifecycle("open") if opened else NEW
    for tag in tags:
        current, _ = advance(current, tag)
    return current


RELEVANT = frozenset({"incident.reported", *_STATUS_CHANGES})
"""Event names that can change a lifecycle once it is open (for loading only those)."""
