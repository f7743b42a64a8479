"""Which batches the writer stores in one statement: up to ``ONE_TRIP_ROWS`` records and
``ONE_TRIP_BYTES`` of them; a batch of a publisher's largest events goes by COPY, which
streams, however few they are."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ledger.domain.sequencer import Row
from ledger.store.event_rows import ONE_TRIP_BYTES, ONE_TRIP_ROWS, one_trip

pytestmark = pytest.mark.unit


def _rows(n: int, size: int = 600) -> list[Row]:
    now = datetime.now(UTC)
    return [
        Row(i + 1, uuid.uuid4(), "INC-1", i + 1, "note.added", "s", now, now, b"x" * size,
            b"h" * 32, i or None, b"h" * 32 if i else None)
        for i in range(n)
    ]  # fmt: skip


def test_few_small_records_go_in_one_statement_and_more_by_copy() -> None:
    assert one_trip([])
    assert one_trip(_rows(ONE_TRIP_ROWS))
    assert not one_trip(_rows(ONE_TRIP_ROWS + 1))


def test_a_few_large_records_go_by_copy() -> None:
    # Given records of a publisher's largest size (256 KB), a batch's bytes past the budget
    size = 256 * 1024
    fits = ONE_TRIP_BYTES // size
    # then the batch that fits goes in one statement, one more record sends it by COPY
    assert one_trip(_rows(fits, size))
    assert not one_trip(_rows(fits + 1, size))
