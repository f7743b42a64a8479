"""Given deliveries from the ingest's consumer, the ingest takes only a gapless run after
what it has taken: a message lost in transit would otherwise be acknowledged by the next
batch's cumulative ack and never come again."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.msg import Msg
from nats.errors import NotJSMessageError

from ledger.ingest.reading import Reading, contiguous, stream_seq

pytestmark = pytest.mark.unit


def message(reply: str) -> Msg:
    return Msg(_client=None, subject="ledger.incidents.events.s.i", reply=reply)  # type: ignore[arg-type]


def delivered(*sequences: int) -> list[Any]:
    return [message(f"$JS.ACK.EVENTS.ingest.1.{s}.{s}.1764662400000000000.0") for s in sequences]


@pytest.mark.parametrize(
    "reply",
    [
        "$JS.ACK.EVENTS.ingest.2.4711.17.1764662400000000000.5",
        "$JS.ACK.hub.ACCHASH.EVENTS.ingest.2.4711.17.1764662400000000000.5.rnd",
        "$JS.ACK.hub.ACCHASH.EVENTS.ingest.2.4711.17.1764662400000000000.5",
    ],
)
def test_the_stream_sequence_is_read_from_either_reply_form_as_nats_py_reads_it(
    reply: str,
) -> None:
    msg = message(reply)
    assert stream_seq(msg) == msg.metadata.sequence.stream == 4711


def test_a_reply_that_is_not_jetstreams_is_refused_as_nats_py_refuses_it() -> None:
    with pytest.raises(NotJSMessageError):
        stream_seq(message("_INBOX.abc"))


def test_a_gapless_delivery_is_taken_whole() -> None:
    reading = Reading(taken=10)
    msgs, gapped = reading.usable(delivered(11, 12, 13))
    assert (len(msgs), gapped) == (3, False)


def test_a_gap_within_a_delivery_cuts_it_short_and_asks_to_read_again() -> None:
    reading = Reading(taken=10)
    msgs, gapped = reading.usable(delivered(11, 12, 14, 15))
    assert ([m.metadata.sequence.stream for m in msgs], gapped) == ([11, 12], True)


def test_a_gap_before_a_delivery_takes_nothing() -> None:
    reading = Reading(taken=10)
    assert reading.usable(delivered(12, 13)) == ([], True)


def test_a_gap_is_skipped_only_past_what_the_stream_no_longer_holds() -> None:
    reading = Reading(taken=10)
    reading.skip_to(first_seq=3)  # the stream still holds 11: read it again
    assert reading.taken == 10
    reading.skip_to(first_seq=15)  # 11–14 were removed by retention before being read
    assert reading.taken == 14
    msgs, gapped = reading.usable(delivered(15, 16))
    assert ([m.metadata.sequence.stream for m in msgs], gapped) == ([15, 16], False)


def test_contiguous_counts_from_the_position_after() -> None:
    assert contiguous(delivered(), 0) == 0
    assert contiguous(delivered(1, 2, 3), 0) == 3
    assert contiguous(delivered(2, 3), 0) == 0
