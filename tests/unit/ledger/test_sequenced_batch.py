"""Sequencing a batch gives one value, whole as soon as it is returned: every event's
outcome in arrival order, the rows of those recorded and the heads they leave."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from contracts.envelope import Envelope
from contracts.outcomes import Duplicate, Recorded, Rejected
from ledger.domain.record import Link
from ledger.domain.sequencer import Batch, IncidentHead, Stored, sequence
from tests.support import note_envelope

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def batch_of(
    events: list[Envelope],
    heads: dict[str, IncidentHead] | None = None,
    stored: dict[uuid.UUID, Stored] | None = None,
) -> Batch:
    return sequence(
        events,
        stored={} if stored is None else stored,
        heads={} if heads is None else heads,
        next_position=21,
        recorded_at=NOW,
        origin="test",
    )


def mixed() -> list[Envelope]:
    """A note, a stale one, the first again, and a second note on the first's incident."""
    first = note_envelope("A", "one", at=NOW)
    stale = note_envelope("B", "late", expected=3, at=NOW)
    return [first, stale, first, note_envelope("A", "two", at=NOW)]


def test_every_outcome_comes_in_arrival_order_with_a_row_for_each_recorded_one() -> None:
    """Given a batch of a note, a stale note, a repeat and another note, when it is
    sequenced, then the value holds four outcomes in that order and one row for each
    event recorded, in the same order, at the positions the outcomes name."""
    events = mixed()
    batch = batch_of(events)
    assert [type(o) for o in batch.outcomes] == [Recorded, Rejected, Duplicate, Recorded]
    recorded = [o for o in batch.outcomes if isinstance(o, Recorded)]
    assert [r.event_id for r in batch.rows] == [o.event_id for o in recorded]
    assert [r.position for r in batch.rows] == [o.position for o in recorded] == [21, 22]
    assert [r.hash.hex() for r in batch.rows] == [o.hash for o in recorded]
    assert batch.outcomes[0].event_id == batch.outcomes[2].event_id == events[0].event_id


def test_the_heads_are_those_its_recorded_events_leave_and_no_others() -> None:
    """Given a batch whose only event for incident B is refused, when it is sequenced,
    then the heads name A alone, at its last row."""
    batch = batch_of(mixed())
    last = batch.rows[-1]
    assert list(batch.heads) == ["A"]
    assert batch.heads["A"].version == last.version == 2
    assert batch.heads["A"].link == Link(last.position, last.hash)


def test_a_batch_of_refusals_and_repeats_alone_has_outcomes_and_no_rows() -> None:
    """Given a batch whose events are all stale or already stored, when it is sequenced,
    then every one has its outcome, and there is nothing to store."""
    first = note_envelope("A", "one", at=NOW)
    row = batch_of([first]).rows[0]
    stored = {first.event_id: Stored("A", row.version, row.position, row.hash, row.record)}
    stale = note_envelope("A", "late", expected=7, at=NOW)
    head = IncidentHead(1, Link(row.position, row.hash))
    batch = batch_of([first, stale], heads={"A": head}, stored=stored)
    assert [type(o) for o in batch.outcomes] == [Duplicate, Rejected]
    assert (batch.rows, batch.heads) == ([], {})


def test_sequencing_changes_nothing_it_is_given_and_decides_the_same_again() -> None:
    """Given what the ledger knows, when a batch is sequenced twice on it, then both
    values are equal and what was given is as it was."""
    head = IncidentHead(4, Link(9, b"\x01" * 32))
    heads = {"A": head}
    events = mixed()
    assert batch_of(events, heads) == batch_of(events, heads)
    assert heads == {"A": head}


def test_the_value_is_frozen() -> None:
    """Given a sequenced batch, when anything tries to replace a part of it, then it
    cannot: what the writer stores is what was decided."""
    batch = batch_of(mixed())
    with pytest.raises(AttributeError):
        batch.rows = []  # type: ignore[misc]
