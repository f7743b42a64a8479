"""Given the streams declared at start-up, their retention is what the settings say (the
rejections' excepted: kept for ever), and a later start with other settings updates it in
place."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from plumbing import jetstream

pytestmark = pytest.mark.integration


async def _max_ages(nc: Client, topology: Topology) -> set[float | None]:
    js = nc.jetstream()
    names = (topology.events_stream, topology.alerts_stream, topology.checkpoints_stream)
    return {(await js.stream_info(name)).config.max_age for name in names}


async def _rejections_kept(nc: Client, topology: Topology) -> float | None:
    return (await nc.jetstream().stream_info(topology.rejected_stream)).config.max_age


async def test_streams_keep_messages_for_the_retention_days(nc: Client, topology: Topology) -> None:
    await jetstream.ensure_topology(nc.jetstream(), topology)
    assert await _max_ages(nc, topology) == {jetstream.RETENTION_DAYS * 86_400}
    assert await _rejections_kept(nc, topology) == 0  # for ever: recorded nowhere else
    await jetstream.ensure_topology(nc.jetstream(), topology, retention_days=2)
    assert await _max_ages(nc, topology) == {2 * 86_400}
    await jetstream.ensure_topology(nc.jetstream(), topology, retention_days=0)
    assert await _max_ages(nc, topology) == {0}
