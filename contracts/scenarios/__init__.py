"""Emergency-plan scenarios as pure event streams, for the simulator and for demo data.

``generate(name, start=..., incidents=N)`` returns validated envelopes in ``occurred_at``
order. Offsets follow the plans' procedures and timings (see contracts/PLANS.md §10,
a summary of the plans in ../shared/seeds/). Incident ``i`` starts ``2 * i``
minutes after ``start``. Ids are deterministic for a given (name, seed, start): event ids
are UUIDv7-shaped from ``occurred_at`` and a seeded generator. Incident ids carry 64 seeded random
bits: with 32, a benchmark's 200,000-event history once gave two runs of one scenario the
same incident, and the second run's events were rightly refused.

Scenarios (T+ minutes):

- ``fire``: property fire, 接警 → 保安确认 → 通报 → 疏散 → 119 → 扑灭 → 善后. Met.
- ``elevator``: entrapment. **Violates** the ≤ 30 min urban rescue rule (vendor on site 37 min
  after dispatch).
- ``gas_leak``: gas smell in a flat; staff on site at T+6 (≤ 10). Met.
- ``app_outage``: call-centre CRM outage, the 5/10/60 ladder. **Violates** the 5-minute
  supervisor report (made at T+7); the 10- and 60-minute steps are on time.
- ``call_surge``: inbound surge, tiers 1/2/3 at T+0/30/60. Met.
- ``food_poisoning``: kindergarten. **Violates** the 2-hour report to the 园办室 (T+150) and
  the 2-hour report to the county health department (T+160).
- ``grid_outage``: 95598, four unplanned 10 kV lines: general at the third (T+20), major at
  the fourth (T+35); NEA 快报 at T+55 (≤ 1 h). Met.
- ``robbery``: service-hall robbery with cash loss, revision, insurer claim. No deadline.
- ``illness``: customer collapses in the hall; 120 at T+1. No deadline.
- ``dora``: DORA major ICT incident; initial, intermediate and final reports on time.

Events are timed relative to ``start``, possibly far into the future (the DORA final
report is 21 days in): a simulator publishes each one when its time comes, or starts
in the past.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from contracts.builders import build
from contracts.envelope import Envelope
from contracts.scenarios._dsl import Script
from contracts.scenarios.app_outage import app_outage
from contracts.scenarios.call_surge import call_surge
from contracts.scenarios.dora import dora
from contracts.scenarios.elevator import elevator
from contracts.scenarios.fire import fire
from contracts.scenarios.food_poisoning import food_poisoning
from contracts.scenarios.gas_leak import gas_leak
from contracts.scenarios.grid_outage import grid_outage
from contracts.scenarios.illness import illness
from contracts.scenarios.robbery import robbery

SCENARIOS: dict[str, Callable[[Script], None]] = {
    "fire": fire,
    "elevator": elevator,
    "gas_leak": gas_leak,
    "app_outage": app_outage,
    "call_surge": call_surge,
    "food_poisoning": food_poisoning,
    "grid_outage": grid_outage,
    "robbery": robbery,
    "illness": illness,
    "dora": dora,
}
STAGGER_MINUTES = 2
_MINUTE = timedelta(minutes=1)


def scenario_names() -> list[str]:
    return list(SCENARIOS)


def _uuid7(at: datetime, rng: random.Random) -> UUID:
    """A UUIDv7 (RFC 9562) from ``at`` and seeded random bits: reproducible ids."""
    millis = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    value = (millis << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64)
    return UUID(int=value | (0b10 << 62) | rng.getrandbits(62))


def _incident(
    name: str,
    index: int,
    start: datetime,
    source: str,
    rng: random.Random,
) -> list[Envelope]:
    script = Script(start, index, rng)
    SCENARIOS[name](script)
    incident_id = f"SIM-{name.replace('_', '-')}-{rng.getrandbits(64):016x}-{index:04d}"
    return [
        build(
            step.payload,
            incident_id=incident_id,
            source=source,
            actor=step.actor,
            occurred_at=(at := script.at(step.minute)),
            event_id=_uuid7(at, rng),
            correlation_id=incident_id,
        )
        for step in script.steps
    ]


def generate(
    name: str, *, start: datetime, incidents: int = 1, source: str = "simulator", seed: int = 0
) -> list[Envelope]:
    """The events of ``incidents`` runs of scenario ``name``, sorted by ``occurred_at``."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    rng = random.Random(f"{name}:{seed}:{start.isoformat()}")
    events: list[Envelope] = []
    for index in range(incidents):
        begin = start + STAGGER_MINUTES * index * _MINUTE
        events.extend(_incident(name, index, begin, source, rng))
    return sorted(events, key=lambda e: e.occurred_at)


def history(n: int, *, now: datetime, seed: int = 0, source: str = "simulator") -> list[Envelope]:
    """``n`` events of realistic, complete histories (the last one cut short to make ``n``):
    every scenario in turn, each backdated to end by ``now`` (the ledger refuses events from
    the future). Warm-up, steady loads, tests and benchmarks draw on it."""
    names, out = scenario_names(), []
    for k in range(n):
        name = names[k % len(names)]
        probe = generate(name, start=now, seed=seed + k, source=source)
        start = now - (max(e.occurred_at for e in probe) - now)
        out.extend(generate(name, start=start, seed=seed + k, source=source))
        if len(out) >= n:
            return out[:n]
    return out
