"""The latency runs' generator publishes on a plain socket (``tests/bench/wire_publisher.py``).
Given a stream, when events are framed and sent, one of them twice under the same
``Nats-Msg-Id``, then the stream holds each once, its bytes and id as sent; a message the
server refuses fails the publisher by name rather than being dropped unseen."""

from __future__ import annotations

import pytest
from nats.aio.client import Client

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
    events = [(b'{"n":1}', "id-1"), (b'{"n":2}', "id-2"), (b'{"n":1}', "id-1")]
    # when they are sent on the wire, the first again under its id, and drained
    wire = WirePublisher(nats_url)
    for data, msg_id in events:
        wire.send(frame(subject, data, {"Nats-Msg-Id": msg_id}))
    wire.drain()
    # then the stream holds two, as sent
    stored = [await js.get_msg(topology.events_stream, seq) for seq in (1, 2)]
    assert [(m.data, (m.headers or {}).get("Nats-Msg-Id")) for m in stored] == [
        (b'{"n":1}', "id-1"),
        (b'{"n":2}', "id-2"),
    ]
    assert (await js.stream_info(topology.events_stream)).state.messages == 2


async def test_a_refused_message_fails_the_publisher_by_name(nats_url: str, nc: Client) -> None:
    # Given a message larger than the server takes
    too_large = b"x" * (nc.max_payload + 1)
    # when it is sent, then the publisher fails with the server's reason
    with pytest.raises(WireError, match=r"(?i)payload"):
        _sent(WirePublisher(nats_url), frame("wire.refused", too_large, {"Nats-Msg-Id": "big"}))


def test_a_url_the_publisher_cannot_speak_is_refused() -> None:
    with pytest.raises(WireError, match="tls://"):
        WirePublisher("tls://127.0.0.1:4222")


def _sent(wire: WirePublisher, data: bytes) -> None:
    wire.send(data)
    wire.drain()
