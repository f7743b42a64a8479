"""``ledger publish``: NDJSON events onto JetStream."""

from __future__ import annotations

import asyncio
from typing import Any

from contracts.publisher import Publisher
from ledger.settings import Settings


async def _publish(settings: Settings, nats_url: str, events: list[dict[str, Any]]) -> list[str]:
    publisher = await Publisher.connect(
        nats_url, namespace=settings.nats.namespace, name="ledger-publish"
    )
    lines = []
    try:
        for event in events:
            ack = await publisher.publish_json(event)
            note = " (duplicate)" if ack.duplicate else ""
            lines.append(f"{event['event_id']}  {ack.stream}#{ack.seq}{note}")
    finally:
        await publisher.close()
    return lines


def run_publish(settings: Settings, nats_url: str, events: list[dict[str, Any]]) -> list[str]:
    return asyncio.run(_publish(settings, nats_url, events))
