"""``ledger publish``: NDJSON events onto JetStream."""

from __future__ import annotations

import asyncio
from typing import Any

from contracts.topology import Topology
from ledger import jetstream, publishing
from ledger.settings import Settings


async def _publish(settings: Settings, nats_url: str, events: list[dict[str, Any]]) -> list[str]:
    nc = await jetstream.connect(nats_url, "ledger-publish")
    js, topology = nc.jetstream(), Topology(settings.nats.namespace)
    lines = []
    try:
        for event in events:
            ack = await publishing.publish(js, topology, event)
            note = " (duplicate)" if ack.duplicate else ""
            lines.append(f"{event['event_id']}  {ack.stream}#{ack.seq}{note}")
    finally:
        await nc.drain()
    return lines


def run_publish(settings: Settings, nats_url: str, events: list[dict[str, Any]]) -> list[str]:
    return asyncio.run(_publish(settings, nats_url, events))
