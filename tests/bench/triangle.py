"""Loss development triangle benchmark (issue 23): a monthly triangle with 24 development
periods over ``LEDGER_BENCH_TRIANGLE_EVENTS`` loss and claim events (default 1,000,000),
from the ledger's facts (already decoded, as the API holds them after reading) to the
triangle with factors and ultimates: the incidents' movements, the cumulative grid and the
chain ladder, timed together, for paid and incurred. Reading and decoding the events from
PostgreSQL is not in this figure. The last line printed is one JSON object.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import msgspec

from contracts.envelope import Actor, Envelope
from contracts.events import ClaimOpened, ClaimUpdated, IncidentReported, LossRecorded, Site
from contracts.levels import Basis as LossBasis
from contracts.levels import ClaimStatus, LossCategory
from projector.domain.development import Basis, Measure, movements
from projector.domain.facts import Fact
from projector.views.triangle import Builder, Period, Shape
from projector.views.triangle_render import currency_triangle

EVENTS = int(os.environ.get("LEDGER_BENCH_TRIANGLE_EVENTS", "1000000"))
PER_INCIDENT = 8  # a loss, a claim opened and six updates
START = datetime(2024, 1, 1, tzinfo=UTC)
ACTOR = Actor(id="bench")
SITE = Site(name="Hall", location_code="B-1")


def _envelope(incident: str, at: datetime, payload: object) -> Envelope:
    return Envelope(event_id=uuid.uuid4(), incident_id=incident, occurred_at=at, source="bench",
                    actor=ACTOR, type=type(payload).TYPE, payload=payload)  # type: ignore[arg-type, attr-defined]  # fmt: skip


def _incident(n: int, rng: random.Random) -> list[Envelope]:
    incident, at = f"B-{n}", START + timedelta(days=rng.randrange(0, 730))
    report = IncidentReported(kind="fire", title="Fire", site=SITE, channel="phone")  # type: ignore[arg-type]
    amount = rng.randrange(10**6)
    loss = LossRecorded(loss_id="L", category=LossCategory.PROPERTY, amount_minor=amount,
                        currency="EUR", basis=LossBasis.ESTIMATE)  # fmt: skip
    out = [_envelope(incident, at, report), _envelope(incident, at, loss)]
    paid = 0
    for step in range(PER_INCIDENT - 1):
        at += timedelta(days=rng.randrange(5, 60))
        paid += rng.randrange(10**5)
        kind = ClaimOpened if step == 0 else ClaimUpdated
        reserve = rng.randrange(10**5)
        claim = kind(claim_number=f"C-{n}", insurer="X", policy_number="P",
                     status=ClaimStatus.OPEN, currency="EUR", paid_minor=paid,
                     reserve_minor=reserve)  # fmt: skip
        out.append(_envelope(incident, at, claim))
    return out


def book() -> list[list[Fact]]:
    rng, incidents, position = random.Random(23), [], 0
    for n in range(EVENTS // PER_INCIDENT):
        facts = []
        for e in _incident(n, rng):
            position += 1
            facts.append(Fact(position, position, e.occurred_at, e))
        incidents.append(facts)
    return incidents


def run(incidents: list[list[Fact]], measure: Measure) -> tuple[float, int]:
    shape = Shape(origin=Period.MONTH, development=Period.MONTH,
                  valuation=datetime(2025, 12, 31, 23, tzinfo=UTC))  # fmt: skip
    began = time.perf_counter()
    builder = Builder(shape)
    for facts in incidents:
        for m in movements(facts, measure, Basis.OCCURRED):
            builder.add(m)
    (grid,) = builder.grids()
    currency_triangle(grid, shape, measure, factors=True)
    return time.perf_counter() - began, len(grid.cells[0])


def main() -> None:
    incidents = book()
    loss_events = sum(len(fs) - 1 for fs in incidents)
    figures: dict[str, object] = {"loss_events": loss_events, "incidents": len(incidents)}
    for measure in (Measure.PAID, Measure.INCURRED):
        seconds, periods = run(incidents, measure)
        figures[f"{measure}_seconds"] = round(seconds, 2)
        figures["development_periods"] = periods
        print(f"{measure}: {seconds:.2f} s for {loss_events:,} loss events, {periods} periods")
    print(msgspec.json.encode(figures).decode())


if __name__ == "__main__":
    main()
