"""Timing a scenario run: when each event is published, and when it says it occurred.

With ``speed`` S ≥ 1 a scenario spanning D unfolds over D/S of wall time. Its clock
starts at ``now - D + D/S``, so at S = 1 events occur as they are published (real time),
and at S = ∞ the whole history is backdated and published at once; in between, every
event is published no earlier than it occurred (the ledger refuses future events).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import msgspec

from contracts import scenarios
from contracts.envelope import Envelope

# Complete backdated histories, which the ingest's warm-up also draws on.
from contracts.scenarios import history as history


class Timed(msgspec.Struct, frozen=True):
    after: float  # seconds after the run starts
    envelope: Envelope


def plan(
    name: str,
    *,
    now: datetime,
    speed: float,
    incidents: int = 1,
    seed: int = 0,
    source: str = "simulator",
) -> list[Timed]:
    if speed < 1:
        raise ValueError("speed must be at least 1 (1 is real time; inf backdates everything)")
    probe = scenarios.generate(name, start=now, incidents=incidents, source=source, seed=seed)
    span = max(e.occurred_at for e in probe) - now
    compressed = timedelta(0) if math.isinf(speed) else span / speed
    start = now - span + compressed
    events = scenarios.generate(name, start=start, incidents=incidents, source=source, seed=seed)
    return [
        Timed(0.0 if math.isinf(speed) else (e.occurred_at - start).total_seconds() / speed, e)
        for e in events
    ]
