"""The lifecycle: what a resolved, closed or cancelled incident still accepts."""

from __future__ import annotations

import pytest

from contracts.lifecycle import NEW, Lifecycle, advance, fold

pytestmark = pytest.mark.unit


def after(*tags: str) -> Lifecycle:
    return fold([f"{t}.v1" for t in tags])


@pytest.mark.parametrize(
    ("history", "tag", "refused"),
    [
        ((), "incident.reported", False),
        (("incident.reported",), "incident.reported", True),
        (("incident.reported",), "incident.reopened", True),
        (("incident.reported", "incident.resolved"), "incident.resolved", True),
        (("incident.reported", "incident.resolved"), "service.restored", False),
        (("incident.reported", "incident.resolved"), "incident.closed", False),
        (("incident.reported", "incident.closed"), "responder.arrived", True),
        (("incident.reported", "incident.closed"), "incident.cancelled", True),
        (("incident.reported", "incident.closed"), "note.added", False),
        (("incident.reported", "incident.closed"), "report.filed", False),
        (("incident.reported", "incident.closed"), "loss.revised", False),
        (("incident.reported", "incident.closed"), "responder.departed", False),
        (("incident.reported", "incident.closed"), "event.corrected", False),
        (("incident.reported", "incident.closed"), "incident.reopened", False),
        (("incident.reported", "incident.closed", "incident.reopened"), "action.taken", False),
        (("incident.reported", "incident.cancelled"), "incident.resolved", True),
        (("note.added",), "incident.reported", False),
    ],
)
def test_transitions(history: tuple[str, ...], tag: str, refused: bool) -> None:
    _, why = advance(after(*history), f"{tag}.v1")
    assert (why is not None) == refused, why


def test_a_refusal_names_the_state_and_the_way_out() -> None:
    _, why = advance(after("incident.reported", "incident.closed"), "action.taken.v1")
    assert why == "the incident is closed: reopen it before recording action.taken"


def test_a_refused_event_leaves_the_lifecycle_alone() -> None:
    closed = after("incident.reported", "incident.closed")
    assert advance(closed, "incident.resolved.v1")[0] == closed


def test_any_first_event_opens_the_incident() -> None:
    assert advance(NEW, "note.added.v1")[0] == Lifecycle("open", reported=False)
