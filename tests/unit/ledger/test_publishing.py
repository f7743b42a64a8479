"""``ledger publish`` reads NDJSON and says which line is wrong."""

from __future__ import annotations

import pytest

from incident_ledger.publishing import LineError, parse_ndjson

pytestmark = pytest.mark.unit


def test_missing_ids_and_times_are_filled_in() -> None:
    (event,) = parse_ndjson(['{"incident_id": "A", "source": "s", "type": "note.added.v1"}'])
    assert event["event_id"]
    assert event["occurred_at"].endswith("Z")


def test_blank_lines_are_skipped() -> None:
    assert len(parse_ndjson(['{"incident_id": "A", "source": "s"}', "", "  "])) == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 1: not JSON"),
        ("[1]", "line 1: each line must be one JSON object"),
        ('{"source": "s"}', "line 1: incident_id is required"),
    ],
)
def test_a_bad_line_is_named(line: str, message: str) -> None:
    with pytest.raises(LineError, match=message):
        parse_ndjson([line])
