"""The sequencer decides, for each event of a batch, record / duplicate / reject."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import msgspec
import pytest
import rfc8785

from contracts import canonical
from contracts.envelope import Envelope
from contracts.limits import MAX_RECORD_BYTES
from contracts.outcomes import Duplicate, Outcome, Recorded, Rejected
from ledger.domain.record import Link, event_of, record_bytes
from ledger.domain.sequencer import IncidentHead as Head
from ledger.domain.sequencer import Stored, sequence
from tests.support import note_envelope

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def envelope(incident: str = "INC-1", expected: int | None = None, text: str = "x") -> Envelope:
    return note_envelope(incident, text, expected=expected, at=NOW)


def run(
    events: list[Envelope],
    stored: dict[uuid.UUID, Stored] | None = None,
    heads: dict[str, Head] | None = None,
    next_position: int = 1,
) -> list[Outcome]:
    batch = sequence(
        events,
        stored=stored or {},
        heads=heads or {},
        next_position=next_position,
        recorded_at=NOW,
        origin="test",
    )
    return [*batch.outcomes]


def test_new_incidents_get_gapless_positions_and_version_one() -> None:
    outcomes = run([envelope("A"), envelope("B"), envelope("A")], next_position=11)
    placed = [(o.position, o.version) for o in outcomes if not isinstance(o, Rejected)]
    assert placed == [(11, 1), (12, 1), (13, 2)]


def test_each_record_links_to_the_previous_event_of_its_incident() -> None:
    events = [envelope("A"), envelope("A")]
    batch = sequence(events, stored={}, heads={}, next_position=1, recorded_at=NOW, origin="o")
    first, second = batch.rows
    assert first.prev_hash is None
    assert second.prev_position == first.position
    assert second.prev_hash == first.hash == hashlib.sha256(first.record).digest()


def test_the_record_holds_the_event_and_its_place() -> None:
    event = envelope("A", text="hello")
    batch = sequence([event], stored={}, heads={}, next_position=5, recorded_at=NOW, origin="o")
    document = msgspec.json.decode(batch.rows[0].record)
    assert (document["position"], document["version"], document["origin"]) == (5, 1, "o")
    assert event_of(batch.rows[0].record)["payload"]["text"] == "hello"


def test_continuing_an_incident_starts_after_its_head() -> None:
    head = Head(version=3, link=Link(position=40, hash=b"\x01" * 32))
    (outcome,) = run([envelope("A")], heads={"A": head}, next_position=41)
    assert isinstance(outcome, Recorded)
    assert outcome.version == 4


def test_a_redelivered_event_with_the_same_content_is_a_duplicate() -> None:
    event = envelope("A")
    batch = sequence([event], stored={}, heads={}, next_position=1, recorded_at=NOW, origin="o")
    row = batch.rows[0]
    stored = {event.event_id: Stored("A", 1, 1, row.hash, row.record)}
    (outcome,) = run([event], stored=stored, next_position=2)
    assert outcome == Duplicate(event.event_id, "A", 1, 1, row.hash.hex())


def test_the_same_event_id_with_other_content_is_a_conflict() -> None:
    event = envelope("A", text="one")
    batch = sequence([event], stored={}, heads={}, next_position=1, recorded_at=NOW, origin="o")
    stored = {event.event_id: Stored("A", 1, 1, batch.rows[0].hash, batch.rows[0].record)}
    changed = msgspec.structs.replace(event, payload=envelope(text="two").payload)
    (outcome,) = run([changed], stored=stored, next_position=2)
    assert isinstance(outcome, Rejected)
    assert (outcome.code, outcome.path) == ("duplicate_conflict", "$.event_id")


def test_a_duplicate_within_one_batch_is_recorded_once() -> None:
    event = envelope("A")
    outcomes = run([event, event])
    assert [type(o) for o in outcomes] == [Recorded, Duplicate]


def test_a_stale_expected_version_is_rejected_with_the_current_version() -> None:
    head = Head(version=2, link=Link(position=2, hash=b"\x02" * 32))
    (outcome,) = run([envelope("A", expected=1)], heads={"A": head}, next_position=3)
    assert isinstance(outcome, Rejected)
    assert (outcome.code, outcome.current_version) == ("version_conflict", 2)


def test_a_rejection_uses_no_position() -> None:
    outcomes = run([envelope("A", expected=5), envelope("B")], next_position=7)
    assert isinstance(outcomes[0], Rejected)
    assert isinstance(outcomes[1], Recorded)
    assert outcomes[1].position == 7


def test_an_event_whose_record_would_not_fit_a_tile_entry_is_refused() -> None:
    """Given an origin that leaves room for a short note only, when a longer note and a
    short one are sequenced, then the longer is refused as oversize and uses no position."""
    short, long = envelope("A"), envelope("B", text="x" * 100)
    (row,) = sequence(
        [short], stored={}, heads={}, next_position=7, recorded_at=NOW, origin=""
    ).rows
    origin = "o" * (MAX_RECORD_BYTES - len(row.record))
    batch = sequence(
        [long, short], stored={}, heads={}, next_position=7, recorded_at=NOW, origin=origin
    )
    refused, recorded = batch.outcomes
    assert isinstance(refused, Rejected)
    assert refused.code == "oversize"
    assert f"at most {MAX_RECORD_BYTES}" in refused.message
    assert isinstance(recorded, Recorded)
    assert recorded.position == 7
    assert [len(r.record) for r in batch.rows] == [MAX_RECORD_BYTES]


def test_record_bytes_are_the_canonical_encoding_of_the_record() -> None:
    event = envelope("A", text="café ☕")
    content = canonical.to_builtins(event)
    prev = Link(position=7, hash=bytes(range(32)))
    data = record_bytes(
        canonical.encode(content),
        origin="o",
        position=8,
        version=2,
        recorded_at=canonical.timestamp(NOW),
        prev=prev,
    )
    assert data == canonical.encode(
        {
            "v": 1,
            "origin": "o",
            "position": 8,
            "version": 2,
            "recorded_at": NOW,
            "prev": {"position": 7, "hash": prev.hash.hex()},
            "event": content,
        }
    )
    assert rfc8785.dumps(msgspec.json.decode(data)) == data
