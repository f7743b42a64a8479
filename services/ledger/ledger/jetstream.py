"""Streams and the ingest consumer, declared at start-up.

nats-py's ``pull_subscribe`` leaves an existing durable's config untouched, so the
consumer is created-or-updated explicitly here, then bound with ``pull_subscribe_bind``.
"""

from __future__ import annotations

from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from contracts.topology import Topology

DUPLICATE_WINDOW = 15 * 60.0  # seconds; PostgreSQL holds the real idempotency key


def _events_stream(topology: Topology) -> api.StreamConfig:
    return api.StreamConfig(
        name=topology.events_stream,
        subjects=[topology.events_wildcard],
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW,
        max_msg_size=1024 * 1024,
    )


def _rejected_stream(topology: Topology) -> api.StreamConfig:
    return api.StreamConfig(
        name=topology.rejected_stream,
        subjects=[topology.rejected_wildcard],
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
    )


def ingest_consumer(topology: Topology) -> api.ConsumerConfig:
    return api.ConsumerConfig(
        name=topology.ingest_consumer,
        durable_name=topology.ingest_consumer,
        # Acking a batch's last message acks the batch: one ack per batch, not per event.
        ack_policy=api.AckPolicy.ALL,
        deliver_policy=api.DeliverPolicy.ALL,
        ack_wait=30.0,
        max_ack_pending=20_000,
        max_waiting=16,
    )


async def _ensure_stream(js: JetStreamContext, config: api.StreamConfig) -> None:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


async def ensure_topology(js: JetStreamContext, topology: Topology) -> None:
    await _ensure_stream(js, _events_stream(topology))
    await _ensure_stream(js, _rejected_stream(topology))
    # CONSUMER.CREATE with a name creates the consumer or updates its config in place.
    await js.add_consumer(topology.events_stream, ingest_consumer(topology))


async def connect(url: str, name: str, **callbacks: Any) -> Client:
    """A connection that reconnects forever: a ledger service must outlive NATS restarts."""
    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        **callbacks,
    )
