"""A publisher that rides out a lost node: every event is retried (same ``Nats-Msg-Id``)
until JetStream acknowledges it. A retry may land after events sent later, so stories
that lose nodes publish notes, which any order allows."""

from __future__ import annotations

import asyncio

import msgspec

from contracts.topology import Topology
from plumbing import jetstream
from tests.support import note

WINDOW = 500  # publishes in flight at once


def notes(total: int, incidents: int, source: str) -> list[dict[str, object]]:
    return [note(f"CL-{i % incidents}", f"note {i}", source=source) for i in range(total)]


async def publish_until_acked(url: str, events: list[dict[str, object]]) -> int:
    """Publish ``events``; return how many publishes had to be retried."""
    nc = await jetstream.connect(url, "publisher")
    js, topology, retried = nc.jetstream(timeout=5), Topology(), 0
    pending = events
    while pending:
        failed: list[dict[str, object]] = []
        for start in range(0, len(pending), WINDOW):
            chunk = pending[start : start + WINDOW]
            answers = await asyncio.gather(*(
                js.publish(
                    topology.event_subject(str(e["source"]), str(e["incident_id"])),
                    msgspec.json.encode(e), headers={"Nats-Msg-Id": str(e["event_id"])},
                ) for e in chunk
            ), return_exceptions=True)  # fmt: skip
            failed += [e for e, a in zip(chunk, answers, strict=True) if isinstance(a, Exception)]
        retried += len(failed)
        pending = failed
        if failed:
            await asyncio.sleep(0.5)
    await nc.close()
    return retried
