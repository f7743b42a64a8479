"""Reading NDJSON events for ``ledger publish``: one JSON object per line."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import msgspec
from uuid6 import uuid7

from contracts import canonical


class LineError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")


def complete(event: dict[str, Any]) -> dict[str, Any]:
    """Fill what a publisher may leave to the client: event_id and occurred_at."""
    event = dict(event)
    event.setdefault("event_id", str(uuid7()))
    event.setdefault("occurred_at", canonical.timestamp(datetime.now(UTC)))
    return event


def parse_ndjson(lines: Iterable[str]) -> list[dict[str, Any]]:
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = msgspec.json.decode(line)
        except msgspec.DecodeError as exc:
            raise LineError(number, f"not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise LineError(number, "each line must be one JSON object (an event envelope)")
        for key in ("incident_id", "source"):
            if not isinstance(value.get(key), str):
                raise LineError(number, f"{key} is required to choose the subject")
        events.append(complete(value))
    return events
