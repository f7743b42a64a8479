"""Streams and the ingest consumer, declared at start-up.

nats-py's ``pull_subscribe`` leaves an existing durable's config untouched, so the
consumer is created-or-updated explicitly here, then bound with ``pull_subscribe_bind``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time

import nats.errors
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError, ServiceUnavailableError

from contracts.topology import Topology
from plumbing.nats_link import connect

DUPLICATE_WINDOW = 15 * 60.0  # seconds; PostgreSQL holds the real idempotency key
# How long the streams keep a message: recorded events live on in PostgreSQL, so this
# only bounds NATS's disk, and how long the ingest may be down without losing any.
RETENTION_DAYS = 30
log = structlog.get_logger(__name__)


def _events_stream(topology: Topology, replicas: int, max_age: float) -> api.StreamConfig:
    return api.StreamConfig(
        num_replicas=replicas,
        max_age=max_age,
        name=topology.events_stream,
        subjects=[topology.events_wildcard],
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW,
        max_msg_size=1024 * 1024,
    )


def _rejected_stream(topology: Topology, replicas: int, max_age: float) -> api.StreamConfig:
    # Kept for ever, whatever the retention: a rejected message's reason and raw bytes
    # are recorded nowhere else.
    return api.StreamConfig(
        num_replicas=replicas,
        max_age=0,
        name=topology.rejected_stream,
        subjects=[topology.rejected_wildcard],
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
    )


def ingest_consumer(topology: Topology, start_seq: int) -> api.ConsumerConfig:
    return api.ConsumerConfig(
        name=topology.ingest_consumer,
        durable_name=topology.ingest_consumer,
        deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=start_seq,
        # Acking a batch's last message acks the batch. Safe here: within one consumer
        # (one leadership term) every message is settled in stream order before it.
        ack_policy=api.AckPolicy.ALL,
        ack_wait=30.0,
        max_ack_pending=20_000,
        max_waiting=16,
        # One copy: every lead recreates the consumer from the ledger's offset, so copies
        # on other nodes buy nothing, and creating a three-copy consumer while a node is
        # down took 5-10 s of a takeover. Its node lost, the lead is retaken at once.
        num_replicas=1,
    )


async def _ensure_stream(js: JetStreamContext, config: api.StreamConfig) -> None:
    assert config.name is not None
    try:
        await js.stream_info(config.name)
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


def _alerts_stream(topology: Topology, replicas: int, max_age: float) -> api.StreamConfig:
    return api.StreamConfig(
        num_replicas=replicas,
        max_age=max_age,
        name=topology.alerts_stream,
        subjects=[topology.alerts_wildcard],
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW,
    )


def _checkpoints_stream(topology: Topology, replicas: int, max_age: float) -> api.StreamConfig:
    return api.StreamConfig(
        num_replicas=replicas,
        max_age=max_age,
        name=topology.checkpoints_stream,
        subjects=[topology.checkpoint_subject],
        storage=api.StorageType.FILE,
        retention=api.RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW,
    )


async def ensure_topology(
    js: JetStreamContext,
    topology: Topology,
    replicas: int = 1,
    retention_days: int = RETENTION_DAYS,
) -> None:
    """Every stream created, or updated to the configuration here (``replicas`` copies,
    messages kept ``retention_days``, 0: for ever; rejections always for ever)."""
    max_age = retention_days * 86_400.0
    for config in (_events_stream, _rejected_stream, _alerts_stream, _checkpoints_stream):
        await _ensure_stream(js, config(topology, replicas, max_age))


async def declare(
    nc: Client,
    topology: Topology,
    replicas: int = 1,
    retention_days: int = RETENTION_DAYS,
    within: float = 60.0,
) -> None:
    """``ensure_topology``, retried: a cluster still electing its leaders (every service
    starting at once) answers slowly or not at all for a few seconds, so give it a minute."""
    deadline = time.monotonic() + within
    while True:
        try:
            await ensure_topology(nc.jetstream(timeout=10), topology, replicas, retention_days)
            return
        except (
            nats.errors.TimeoutError,
            nats.errors.NoRespondersError,
            ServiceUnavailableError,
        ) as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("streams not declared yet; retrying", error=repr(exc))
            await asyncio.sleep(1.0)


async def _present(js: JetStreamContext, topology: Topology) -> None:
    for name in (topology.events_stream, topology.rejected_stream, topology.alerts_stream,
                 topology.checkpoints_stream):  # fmt: skip
        await js.stream_info(name)


async def declare_beside(
    nc: Client, topology: Topology, replicas: int, retention_days: int, ready: asyncio.Event
) -> None:
    """``declare`` as housekeeping beside the services, never before them: ``ready`` is
    set as soon as every stream is found (the usual case: only a first start creates
    them), or once they are declared. During a NATS election a declaration can take tens
    of seconds; a standby must not spend them before it competes for the lead."""
    probe = asyncio.create_task(_present(nc.jetstream(timeout=5), topology))
    probe.add_done_callback(functools.partial(_found, ready))
    try:
        while True:
            try:
                await declare(nc, topology, replicas, retention_days)
                break
            except nats.errors.Error as exc:  # nats-py's and JetStream's errors alike
                log.error("streams not declared; trying again", error=repr(exc))
                await asyncio.sleep(5.0)
    finally:
        probe.cancel()
    ready.set()


def _found(ready: asyncio.Event, probe: asyncio.Task[None]) -> None:
    if not probe.cancelled() and probe.exception() is None:
        ready.set()


async def restart_consumer(js: JetStreamContext, topology: Topology, start_seq: int) -> None:
    """Recreate the ingest's durable consumer to deliver from ``start_seq`` in stream order.

    The ledger, not the consumer, holds the read position (``ingest_offsets``, committed
    with the events). A new leader starts the consumer afresh from there: messages a dead
    leader left unacknowledged would otherwise be redelivered behind newer ones, out of
    order. (Creating explicitly also sidesteps nats-py leaving an existing durable's config
    untouched.)"""
    with contextlib.suppress(NotFoundError):
        await js.delete_consumer(topology.events_stream, topology.ingest_consumer)
    await js.add_consumer(topology.events_stream, ingest_consumer(topology, start_seq))


__all__ = ["connect", "declare", "ensure_topology", "restart_consumer"]
