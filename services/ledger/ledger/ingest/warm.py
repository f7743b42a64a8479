"""First-use costs paid on taking the lead, not by the first events after it.

msgspec builds a decoder per payload type, the canonical encoder a plan per struct type,
and the interpreter specialises the hot loops, each at first use; asyncpg prepares a
statement the first time it runs. Paid by the first batches, these costs build a backlog
that holds the first half second's latencies well above the steady state (figures in
tests/bench/README.md). So the leader decodes
and sequences a few synthetic events of every scenario (nothing is written), and prepares
its statements inside a transaction it rolls back.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from contracts import canonical, fastpath, scenarios
from contracts.envelope import Actor, Envelope
from contracts.registry import DEFAULT_REGISTRY
from contracts.topology import Topology
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import sequence
from ledger.ingest.intake import decode_all
from ledger.store import event_rows as store
from plumbing.settings import IngestSettings

SAMPLE = 64


def codecs(topology: Topology, settings: IngestSettings) -> None:
    """Every payload type's decoder and plan built, the decode and sequencing paths run."""
    for cls in DEFAULT_REGISTRY.types.values():
        fastpath.warm(cls)
        canonical.warm(cls)
    canonical.warm(Envelope)
    canonical.warm(Actor)
    now = datetime.now(UTC)
    events = scenarios.history(SAMPLE, now=now, seed=1)
    items = decode_all(
        [canonical.encode(e) for e in events],
        [topology.event_subject(e.source, e.incident_id) for e in events],
        topology,
        settings,
        now,
    )
    prepared = [i for i in items if isinstance(i, Prepared)]
    sequence(prepared, stored={}, heads={}, next_position=1, recorded_at=now, origin="warm")


async def statements(conn: asyncpg.Connection) -> None:
    """The writer's statements prepared on ``conn`` (asyncpg keeps them per connection)."""
    transaction = conn.transaction()
    await transaction.start()
    try:
        await store.warm(conn)
    finally:
        await transaction.rollback()
