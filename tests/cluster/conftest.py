"""A three-node NATS JetStream cluster per test, from ``infra/nats/cluster/`` as
deployed (accounts, permissions, routes) on free loopback ports; PostgreSQL as for the
integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger.stack.nats_cluster import NatsCluster
from plumbing import jetstream

REPLICAS = 3


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    nodes = NatsCluster(tmp_path / "nats")
    nodes.start()
    try:
        yield nodes
    finally:
        nodes.stop()


@pytest.fixture
async def ledger_nc(cluster: NatsCluster) -> AsyncIterator[Client]:
    """The ingest's user, with the streams declared at three replicas (as at start-up)."""
    nc = await jetstream.connect(cluster.url("ingest"), "test")
    await jetstream.declare(nc, Topology(), REPLICAS)  # retried while leaders are elected
    yield nc
    await nc.close()
