"""Demo data for ``ledger up --demo``: the demo's organisations and sites
(``demo_profiles``), then every emergency-plan scenario at its place, backdated so that
its whole history, deadlines met and missed, is in the ledger at once."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from contracts import scenarios
from contracts.envelope import Envelope
from incident_ledger.demo_profiles import PLACES, placed, profile_events
from incident_ledger.simulation import plan


def events(now: datetime | None = None, source: str = "demo") -> list[Envelope]:
    """``source``: the publishing system named (on a cluster, one with an account)."""
    moment = now or datetime.now(UTC)
    return profile_events(source) + [
        placed(timed.envelope, PLACES[name])
        for name in scenarios.scenario_names()
        for timed in plan(name, now=moment, speed=math.inf, source=source)
    ]
