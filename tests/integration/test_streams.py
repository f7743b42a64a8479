"""Given the streams declared at start-up, their retention is what the settings say, and
a later start with other settings updates it in place."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from ledger import jetstream

pytestmark = pytest.mark.integration


async def _max_ages(nc: Client, topology: Topology) -> set[float | None]:
    js = nc.jetstream()
    names = (topology.events_stream, topology.rejected_stream, topology.alerts_stream,
             topology.checkpoints_stream)  # fmt: skip
    return {(await js.stream_info(name)).config.max_age for name in names}


async def test_streams_keep_messages_for_the_retention_days(nc: Client, topology: Topology) -> None:
    await jetstream.ensure_topology(nc.jetstream(), topology)
    assert await _max_ages(nc, topology) == {jetstream.RETENTION_DAYS * 86_400}
    await jetstream.ensure_topology(nc.jetstream(), topology, retention_days=0.5)
    assert await _max_ages(nc, topology) == {43_200}
    await jetstream.ensure_topology(nc.jetstream(), topology, retention_days=0)
    assert await _max_ages(nc, topology) == {0}
