"""Given the clustered NATS configured as in infra/, a publishing system authenticated as
itself can publish only its own events and read only its own rejections: the server
refuses the rest before the ledger sees it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from pathlib import Path

import nats.errors
import pytest
from nats.aio.client import Client

from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger.stack.nats import server_binary
from incident_ledger.stack.nats_cluster import NatsCluster
from plumbing import jetstream
from plumbing.paths import infra_dir

pytestmark = pytest.mark.cluster


def test_every_cluster_config_parses(cluster: NatsCluster) -> None:
    configs = [
        *sorted((infra_dir() / "nats").rglob("*.conf")),
        infra_dir() / "k8s" / "nats" / "nats.conf",  # POD_NAME: the StatefulSet's pod name
    ]
    for config in configs:
        checked = subprocess.run(
            [str(server_binary()), "-t", "-c", str(config)],
            env=os.environ | cluster.env() | {"POD_NAME": "ledger-nats-0"},
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stderr


async def _connect(url: str, errors: list[str]) -> Client:
    async def record(error: Exception) -> None:
        errors.append(str(error))

    return await jetstream.connect(url, "publisher", error_cb=record)


async def test_cad_publishes_its_own_events_and_cannot_publish_as_bms(
    cluster: NatsCluster, ledger_nc: Client
) -> None:
    errors: list[str] = []
    cad = await _connect(cluster.url("cad"), errors)
    js, topology = cad.jetstream(timeout=5), Topology()
    publisher = Publisher(cad, topology)  # retries while the import's interest spreads
    ack = await publisher.publish_json({"event_id": "e-1", "source": "cad", "incident_id": "I-1"})
    assert ack.stream == topology.events_stream
    with pytest.raises(nats.errors.TimeoutError):  # no answer: the refusal is on error_cb
        await js.publish(topology.event_subject("bms", "INC-1"), b"{}", timeout=1)
    await asyncio.sleep(0.2)
    assert any('permissions violation for publish to "incidents.events.bms' in e for e in errors)
    stored = await ledger_nc.jetstream().stream_info(topology.events_stream)
    assert stored.state.messages == 1
    await cad.close()


async def test_cad_reads_its_own_rejections_only(cluster: NatsCluster, ledger_nc: Client) -> None:
    errors: list[str] = []
    cad = await _connect(cluster.url("cad"), errors)
    own = await cad.subscribe(Topology().rejected_subject("cad"))
    await cad.subscribe(Topology().rejected_subject("bms"))
    await cad.flush()
    received = None
    for _ in range(25):  # interest reaches the other nodes' routes a moment after SUB
        await ledger_nc.publish(Topology().rejected_subject("bms"), b"not yours")
        await ledger_nc.publish(Topology().rejected_subject("cad"), b"yours")
        with contextlib.suppress(nats.errors.TimeoutError):
            received = await own.next_msg(timeout=0.2)
            break
    assert received is not None
    assert received.data == b"yours"
    await asyncio.sleep(0.2)
    assert any('permissions violation for subscription to "incidents.rejected.bms"' in e
               for e in errors)  # fmt: skip
    await cad.close()


def test_a_missing_password_stops_the_node(tmp_path: Path) -> None:
    checked = subprocess.run(
        [str(server_binary()), "-t", "-c", str(infra_dir() / "nats/cluster/node-1.conf")],
        env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode != 0
    assert "LEDGER_NATS_INGEST_PASSWORD" in checked.stderr
