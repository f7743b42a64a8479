"""Confirmations: each recorded event's outcome on ``incidents.recorded.<incident_id>``
once its batch committed (core NATS, best effort: the ledger itself is the record), sent
after the writer has let go of its connection and the append lock."""

from __future__ import annotations

import msgspec
from nats.aio.client import Client

from contracts.outcomes import Recorded
from contracts.topology import Topology
from ledger.domain.sequencer import Batch


async def publish(nc: Client, topology: Topology, batch: Batch) -> None:
    """Tell downstream subscribers what ``batch``, committed, recorded."""
    for outcome in batch.outcomes:
        if isinstance(outcome, Recorded):
            await nc.publish(
                topology.recorded_subject(outcome.incident_id), msgspec.json.encode(outcome)
            )
