"""Small builders shared by the tests: events as a publisher would send them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from contracts import canonical
from contracts.codec import decode_envelope
from contracts.envelope import Envelope


def note(
    incident: str = "INC-1",
    text: str = "checked",
    *,
    source: str = "desk",
    expected: int | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """A ``note.added.v1`` event as JSON-ready data."""
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "incident_id": incident,
        "type": "note.added.v1",
        "occurred_at": canonical.timestamp(at or datetime.now(UTC)),
        "source": source,
        "actor": {"id": "u1", "name": "Li Wei", "role": "duty_manager"},
        "payload": {"text": text},
    }
    if expected is not None:
        event["expected_version"] = expected
    return event


def envelope(data: dict[str, Any]) -> Envelope:
    return decode_envelope(msgspec.json.encode(data))


def note_envelope(incident: str = "INC-1", text: str = "checked", **kw: Any) -> Envelope:
    return envelope(note(incident, text, **kw))
