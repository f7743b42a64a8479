"""A hostile publisher on NATS: random bytes, random JSON of any depth and size up to the
payload limit, and schema-valid events with hostile strings, each between good events and
some with headers a client might misread.

Given one ingest for the whole run, when each example's messages are published, then
every good event is recorded, every hostile message is either recorded (a valid event) or
rejected with a documented code (never ``internal_error``), and the lead never changes.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.client import Client

from contracts.topology import Topology
from tests.integration.hostile import Watch, between_goods, leader_pid, nats_sender
from tests.support import note

pytestmark = pytest.mark.integration

PAYLOAD_LIMIT = 1_000_000  # NATS's max_payload is 1 MiB; headers take their share
_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
_trees = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=25,
)
# Characters that have broken parsers, terminals and databases: NUL and other controls,
# bidirectional overrides, line separators, quotes, escapes, brackets, astral planes.
_HOSTILE = "\x00\x01\x1b\x7f\u202e\u2028\u2029\ufeff\"'\\[]{}<>&%$\U0001f525\u0301"
_hostile_text = st.text(
    st.sampled_from(_HOSTILE) | st.characters(exclude_categories=["Cs"]), min_size=1, max_size=300
)


@st.composite
def _deep_json(draw: st.DrawFn) -> bytes:
    """Random JSON, wrapped in any depth of arrays or objects (closed or not), padded to
    any size up to the payload limit."""
    body = msgspec.json.encode(draw(_trees))
    depth = draw(st.integers(0, 10_000))
    opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b"[", b"")]))
    room = PAYLOAD_LIMIT - len(body) - depth * (len(opener) + len(closer)) - 16
    pad = draw(st.integers(0, max(room, 0)) | st.just(0))
    if pad:
        body = b'["' + b"x" * pad + b'",' + body + b"]"
    return opener * depth + body + closer * depth


@st.composite
def _hostile_event(draw: st.DrawFn) -> tuple[bytes, str]:
    """A schema-valid note (on the subject it will be sent on) with hostile strings."""
    event = note("placeholder", draw(_hostile_text))
    event["actor"]["name"] = draw(_hostile_text)
    return msgspec.json.encode(event), event["event_id"]


# Headers a publisher may set that mean something to a client: nats-py files a "Status"
# header where it files the server's own status answers.
_headers = st.dictionaries(
    st.sampled_from(["Status", "Description", "Nats-Pending-Messages", "X-Trace"]),
    st.sampled_from(["404", "408", "409", "100", "503", "Consumer Deleted"])
    | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    max_size=3,
)
_message = (
    st.binary(max_size=2_000).map(lambda b: (b, None))
    | _deep_json().map(lambda b: (b, None))
    | _hostile_event()
)


def _placed(message: tuple[bytes, str | None], incident: str) -> bytes:
    """The message with its incident_id set to the subject's token (if it has one)."""
    data, event_id = message
    if event_id is None:
        return data
    event: dict[str, Any] = msgspec.json.decode(data)
    event["incident_id"] = incident
    return msgspec.json.encode(event)


@pytest.fixture
async def watch(ingesting: asyncpg.Pool, nc: Client, topology: Topology) -> AsyncIterator[Watch]:
    watching = Watch(ingesting, nc, topology)
    yield watching
    await watching.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(messages=st.lists(_message, min_size=1, max_size=4), headers=st.lists(_headers, max_size=4))
async def test_a_hostile_publisher_neither_halts_nor_misleads_the_ledger(
    messages: list[tuple[bytes, str | None]],
    headers: list[dict[str, str]],
    ingesting: asyncpg.Pool,
    nc: Client,
    topology: Topology,
    watch: Watch,
) -> None:
    lead = _LEADS.setdefault(id(watch), await leader_pid(ingesting))
    assert lead is not None
    prefix = f"r{next(_ROUNDS)}"
    datas = [_placed(m, f"{prefix}-{n}") for n, m in enumerate(messages)]
    send = nats_sender(nc, topology, headers={f"{prefix}-{n}": h for n, h in enumerate(headers)})
    await between_goods(watch, send, datas, [m[1] for m in messages], prefix)
    assert await leader_pid(ingesting) == lead


_ROUNDS = itertools.count()
# One ingest (and one watch) serves every example: its lead, as first seen.
_LEADS: dict[int, int | None] = {}
