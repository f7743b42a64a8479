"""What ``POST /v1/events`` makes of a body before the sequencer sees it, and where an
HTTP rejection is published: whatever the bytes, an answer naming what is wrong."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.exceptions import HTTPException

from contracts.outcomes import OVERSIZE_HEAD as HEAD
from ledger.ingest.http_rejections import UNKNOWN, claimed_source, subject_source
from ledger_api.routes.events import MAX_EVENTS, carried, chunks, split

pytestmark = pytest.mark.unit

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


def _outcome(body: bytes) -> list[bytes] | int:
    """The events split from ``body``, or the status it is refused with."""
    try:
        return split(body)
    except HTTPException as exc:
        return exc.status_code


@given(st.binary(max_size=300))
def test_any_bytes_are_split_into_objects_or_refused_with_a_4xx(body: bytes) -> None:
    items = _outcome(body)
    if isinstance(items, int):
        assert 400 <= items < 500
    else:
        assert 1 <= len(items) <= MAX_EVENTS
        assert all(item[:1] == b"{" for item in items)


@given(json_values, st.integers(min_value=0, max_value=3000))
@settings(max_examples=60)
def test_json_at_any_depth_is_split_or_refused_with_a_4xx(value: object, depth: int) -> None:
    body = b"[" * depth + json.dumps(value).encode() + b"]" * depth
    events = [value] if depth == 1 or isinstance(value, dict) else value
    if depth > 1 or not isinstance(events, list) or not events:
        events = [None]  # no events: an array of arrays, a scalar, or an empty array
    readable = all(isinstance(e, dict) for e in events)
    expected = [json.dumps(e).encode() for e in events] if readable else 400
    assert _outcome(body) == expected


@given(st.lists(st.integers(min_value=2, max_value=200_000), min_size=1, max_size=40))
def test_every_run_fits_a_nats_message_and_keeps_the_events_in_order(sizes: list[int]) -> None:
    items = [b"{" + bytes([48 + i % 10]) * size + b"}" for i, size in enumerate(sizes)]
    request = carried(items, ["desk"])
    runs = chunks(request, 1024 * 1024)
    assert [i for run in runs for i in run.items] == request.items
    for run in runs:
        assert len(msgspec.msgpack.encode(run)) <= 1024 * 1024
        assert all(len(run.items[i]) == HEAD for i in run.oversize)
    sizes_back = [size for run in runs for size in run.oversize.values()]
    assert sizes_back == [len(i) for i in items if len(i) > 63 * 1024]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"source": "cad", "type": 1}', "cad"),
        (b'{"source": "c.d"}', None),
        (b'{"source": 7}', None),
        (b'{"source": "cad"', None),
        (b"[" * 5000, None),
        (b"\xff", None),
    ],
)
def test_the_claimed_source_is_read_when_it_is_a_subject_token(
    raw: bytes, expected: str | None
) -> None:
    assert claimed_source(raw) == expected


@pytest.mark.parametrize(
    ("claimed", "allowed", "expected"),
    [
        ("cad", ["bms", "cad"], "cad"),  # its own: where it listens
        ("victim", ["bms", "cad"], "bms"),  # spoofed: told to its author, not the victim
        (None, ["cad"], "cad"),
        (None, None, UNKNOWN),
        ("cad", None, "cad"),
        ("cad", [], UNKNOWN),
    ],
)
def test_a_rejection_is_published_where_its_author_reads(
    claimed: str | None, allowed: list[str] | None, expected: str
) -> None:
    assert subject_source(claimed, allowed) == expected
