"""``ledger publish``: NDJSON events onto JetStream, each line's outcome reported.

JetStream's acknowledgement says a message is stored, not that the ledger took it: each
event is waited for (up to ``wait`` seconds) on the ledger's confirmations,
``incidents.recorded.<incident_id>`` and ``incidents.rejected.<source>``, subscribed to
before anything is published."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any

import click
import msgspec
import nats.errors
from nats.aio.msg import Msg

from contracts.outcomes import Recorded
from contracts.publisher import Publisher
from ledger.ingest.intake import RejectionRecord
from plumbing.settings import Settings


class Line(msgspec.Struct, frozen=True):
    text: str
    ok: bool  # recorded or a duplicate; not rejected, not unconfirmed


def _key(event_id: object) -> str:
    """One spelling of an event_id, as the ledger writes it in its confirmations."""
    try:
        return str(uuid.UUID(str(event_id)))
    except ValueError:
        return str(event_id)


class Confirmations:
    """Each published line's outcome, once the ledger tells it (or JetStream, for a line
    repeating an event_id it already has)."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        loop = asyncio.get_running_loop()
        self.lines: list[asyncio.Future[Line]] = [loop.create_future() for _ in events]
        self.first: dict[str, asyncio.Future[Line]] = {}
        for event, line in zip(events, self.lines, strict=True):
            self.first.setdefault(_key(event["event_id"]), line)
        self.by_raw = {msgspec.json.encode(e): _key(e["event_id"]) for e in events}

    def settle(self, key: str | None, line: Line) -> None:
        future = self.first.get(key) if key is not None else None
        if future is not None and not future.done():
            future.set_result(line)

    async def on_recorded(self, msg: Msg) -> None:
        done = msgspec.json.decode(msg.data, type=Recorded)
        text = f"recorded  position {done.position}, version {done.version}"
        self.settle(_key(done.event_id), Line(text, True))

    async def on_rejected(self, msg: Msg) -> None:
        record = msgspec.json.decode(msg.data, type=RejectionRecord)
        key = record.event_id and _key(record.event_id)
        key = key or self.by_raw.get(base64.b64decode(record.raw))
        where = f" (at {record.path})" if record.path != "$" else ""
        self.settle(key, Line(f"rejected  {record.code}: {record.message}{where}", False))


async def _send(publisher: Publisher, event: dict[str, Any], line: asyncio.Future[Line]) -> None:
    try:
        ack = await publisher.publish_json(event)
    except nats.errors.Error as exc:
        line.set_result(Line(f"not published: {exc!r}", False))
        return
    if ack.duplicate and not line.done():  # JetStream had it already: recorded once
        line.set_result(Line(f"duplicate  {ack.stream}#{ack.seq}", True))


async def _publish(
    settings: Settings, nats_url: str, events: list[dict[str, Any]], wait: float
) -> list[Line]:
    publisher = await Publisher.connect(
        nats_url, namespace=settings.nats.namespace, name="ledger-publish"
    )
    seen = Confirmations(events)
    topology, nc = publisher.topology, publisher.nc
    try:
        for incident in sorted({str(e["incident_id"]) for e in events}):
            await nc.subscribe(topology.recorded_subject(incident), cb=seen.on_recorded)
        for source in sorted({str(e["source"]) for e in events}):
            await nc.subscribe(topology.rejected_subject(source), cb=seen.on_rejected)
        await nc.flush()
        for event, line in zip(events, seen.lines, strict=True):
            await _send(publisher, event, line)
        if seen.lines:  # (asyncio.wait refuses none)
            await asyncio.wait(seen.lines, timeout=wait)
    finally:
        await publisher.close()
    unconfirmed = Line(f"no confirmation within {wait:g} s", False)
    return [f.result() if f.done() else unconfirmed for f in seen.lines]


def run_publish(
    settings: Settings, nats_url: str, events: list[dict[str, Any]], wait: float = 10.0
) -> int:
    """Publish ``events`` and print each one's outcome; the exit status: 1 when any was
    rejected, not published or not confirmed within ``wait`` seconds."""
    lines = asyncio.run(_publish(settings, nats_url, events, wait))
    for event, line in zip(events, lines, strict=True):
        click.echo(f"{event['event_id']}  {line.text}")
    failed = sum(not line.ok for line in lines)
    if failed:
        click.echo(f"{failed} of {len(lines)} events not recorded", err=True)
    return 1 if failed else 0
