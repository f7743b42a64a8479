"""The latency runs' generator publishes on a plain socket (``tests/bench/wire_publisher.py``).
Given a stream, when events are framed and sent, one of them twice under the same
``Nats-Msg-Id``, then the stream holds each once, its bytes and id as sent; a message the
server refuses on the wire (its ``-ERR``) fails the publisher with the server's reason, and
a URL it cannot speak to is refused by name."""

from __future__ import annotations

import asyncio
import time

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext

from contracts.topology import Topology
from plumbing import jetstream
from tests.bench.wire_publisher import WireError, WirePublisher, frame

pytestmark = pytest.mark.integration


async def test_framed_events_are_stored_once_each_as_sent(
    nats_url: str, nc: Client, topology: Topology
) -> None:
    # Given the ledger's streams
    js = nc.jetstream()
    await jetstream.ensure_topology(js, topology)
    subject = topology.event_subject("wire", "INC-1")
    sent = [(b'{"n":1}', "id-1"), (b'{"n":2}', "id-2"), (b'{"n":1}', "id-1"), (b"{}", "id-3")]
    # when they are sent on the wire, the first again under its id, and drained
    wire = WirePublisher(nats_url)
    for data, msg_id in sent:
        wire.send(frame(subject, data, {"Nats-Msg-Id": msg_id}))
    wire.drain()
    # then, once the last is stored, the stream holds three, each as sent
    await _stored(js, topology.events_stream, 3)
    stored = [await js.get_msg(topology.events_stream, seq) for seq in (1, 2, 3)]
    assert [(m.data, (m.headers or {}).get("Nats-Msg-Id")) for m in stored] == [
        (b'{"n":1}', "id-1"),
        (b'{"n":2}', "id-2"),
        (b"{}", "id-3"),
    ]
    assert (await js.stream_info(topology.events_stream)).state.messages == 3


async def test_a_refused_message_fails_the_publisher_by_name(nats_url: str, nc: Client) -> None:
    # Given a message larger than the server takes
    too_large = b"x" * (nc.max_payload + 1)
    # when it is sent, then the publisher fails with the server's reason
    with pytest.raises(WireError, match=r"(?i)payload"):
        _sent(WirePublisher(nats_url), frame("wire.refused", too_large, {"Nats-Msg-Id": "big"}))


@pytest.mark.parametrize("url", ["tls://127.0.0.1:4222", "nats://:4222"])
def test_a_url_the_publisher_cannot_speak_to_is_refused(url: str) -> None:
    with pytest.raises(WireError, match="nats://host:port"):
        WirePublisher(url)


def _sent(wire: WirePublisher, data: bytes) -> None:
    try:
        wire.send(data)
        wire.drain()
    finally:
        wire.close()


async def _stored(js: JetStreamContext, stream: str, last: int, within: float = 10.0) -> None:
    """Wait until ``stream``'s last sequence is ``last`` (a PONG says the server read the
    messages, not that the stream has stored them yet)."""
    deadline = time.monotonic() + within
    while (await js.stream_info(stream)).state.last_seq < last:
        assert time.monotonic() < deadline, f"{stream} never reached {last}"
        await asyncio.sleep(0.05)
