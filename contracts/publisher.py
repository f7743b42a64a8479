"""The async publisher client (nats-py): typed builders that publish.

``await client.report_incident(incident_id=..., source=..., actor=..., kind=..., ...)``
builds and validates the event exactly as the ledger will (UUIDv7 ``event_id`` and
``occurred_at`` filled in), publishes it on ``incidents.events.<source>.<incident_id>``
with ``Nats-Msg-Id`` = ``event_id``, and hands back JetStream's acknowledgement. The
connection reconnects forever; a publish that times out is retried with the same
``Nats-Msg-Id``, so JetStream and the ledger both keep it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec

import msgspec
import nats
import nats.errors
from nats.aio.client import Client
from nats.js.api import PubAck

from contracts import builders, canonical
from contracts.envelope import Envelope
from contracts.topology import Topology

P = ParamSpec("P")


def _sends(
    builder: Callable[P, Envelope],
) -> Callable[Concatenate[Publisher, P], Coroutine[Any, Any, PubAck]]:
    async def send(self: Publisher, /, *args: P.args, **kwargs: P.kwargs) -> PubAck:
        return await self.publish(builder(*args, **kwargs))

    send.__doc__ = builder.__doc__
    return send


class Publisher:
    def __init__(self, nc: Client, topology: Topology | None = None, retries: int = 10) -> None:
        self.nc, self.topology, self.retries = nc, topology or Topology(), retries
        self.js = nc.jetstream()

    @classmethod
    async def connect(cls, url: str, *, namespace: str = "", name: str = "publisher") -> Publisher:
        nc = await nats.connect(url, name=name, max_reconnect_attempts=-1, reconnect_time_wait=0.5)
        return cls(nc, Topology(namespace))

    async def close(self) -> None:
        await self.nc.drain()

    async def publish(self, envelope: Envelope) -> PubAck:
        return await self.publish_json(canonical.to_builtins(envelope))

    async def publish_json(self, event: dict[str, Any]) -> PubAck:
        """Publish an event already in JSON form (it must carry event_id)."""
        subject = self.topology.event_subject(event["source"], event["incident_id"])
        data, headers = msgspec.json.encode(event), {"Nats-Msg-Id": str(event["event_id"])}
        for attempt in range(self.retries):
            try:
                return await self.js.publish(subject, data, headers=headers)
            except (nats.errors.TimeoutError, nats.errors.NoRespondersError):
                await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
        return await self.js.publish(subject, data, headers=headers)

    report_incident = _sends(builders.report_incident)
    classify = _sends(builders.classify)
    activate_plan = _sends(builders.activate_plan)
    notify = _sends(builders.notify)
    dispatch_responder = _sends(builders.dispatch_responder)
    responder_arrived = _sends(builders.responder_arrived)
    responder_departed = _sends(builders.responder_departed)
    take_action = _sends(builders.take_action)
    escalate = _sends(builders.escalate)
    record_casualty = _sends(builders.record_casualty)
    record_loss = _sends(builders.record_loss)
    revise_loss = _sends(builders.revise_loss)
    attach_evidence = _sends(builders.attach_evidence)
    restore_service = _sends(builders.restore_service)
    resolve = _sends(builders.resolve)
    close_incident = _sends(builders.close)
    reopen = _sends(builders.reopen)
    cancel = _sends(builders.cancel)
    file_report = _sends(builders.file_report)
    open_claim = _sends(builders.open_claim)
    update_claim = _sends(builders.update_claim)
    waive_deadline = _sends(builders.waive_deadline)
    pause_deadline = _sends(builders.pause_deadline)
    resume_deadline = _sends(builders.resume_deadline)
    add_note = _sends(builders.add_note)
    correct_event = _sends(builders.correct_event)
