"""Shared fixtures for the contract tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def reported() -> dict[str, Any]:
    """A valid ``incident.reported.v1`` envelope as a JSON object."""
    return {
        "event_id": "0193a5b0-4f00-7000-8000-000000000001",
        "type": "incident.reported.v1",
        "incident_id": "INC-2026-0042",
        "occurred_at": "2026-11-20T18:20:00+08:00",
        "source": "property-cs",
        "actor": {"id": "cs-agent-01", "name": "王芳", "role": "agent"},
        "payload": {
            "kind": "fire",
            "title": "Smoke from the B2 bin room",
            "site": {"name": "澎湖湾"},
            "channel": "phone",
        },
    }
