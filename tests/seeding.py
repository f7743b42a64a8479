"""Test data recorded and read the way production records and reads it.

``append`` records through the sequencer's writer (``ledger.store.writer.Writer``) and
confirms as the ingest does: positions, chain links, the Merkle log, the projector's
wake-up and the NATS confirmations all move as they would in service. ``timeline`` reads
an incident with the API's timeline query and entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import asyncpg
import msgspec
from nats.aio.client import Client

from contracts.envelope import Envelope
from contracts.topology import Topology
from incident_ledger.runtime import projector_config
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import Batch
from ledger.ingest import confirmations
from ledger.store.writer import Writer
from ledger_api.routes import timeline as timeline_route
from plumbing.settings import load
from projector.domain.models import Config
from projector.views.entries import entry

# Confirmations of seeded events go to subjects no test listens on.
SEEDING = Topology(namespace="seeding")


async def append(
    conn: asyncpg.Connection,
    nc: Client,
    envelopes: Sequence[Envelope | Prepared],
    *,
    origin: str = "test",
    merkle_log: bool = True,
) -> Batch:
    """Record ``envelopes`` on ``conn`` as the ingest's writer does, in one batch; outcomes
    in input order. ``conn`` stays open (the writer is let go, not closed)."""
    batch = await Writer(conn, origin, merkle_log=merkle_log).append(envelopes)
    await confirmations.publish(nc, SEEDING, batch)
    return batch


@cache
def _config() -> Config:
    return projector_config(load({}))


async def timeline(conn: asyncpg.Connection, incident_id: str) -> list[dict[str, Any]]:
    """The incident's entries in recorded order, as ``GET …/timeline`` reads and builds them."""
    rows = await timeline_route._rows(conn, incident_id, None)
    entries = [entry(row, "en", _config())[0] for row in rows]
    return list(msgspec.json.decode(msgspec.json.encode(entries)))  # as the API sends them
