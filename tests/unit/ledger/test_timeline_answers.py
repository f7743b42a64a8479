"""Given a current timeline kept as answered, it is answered again only while nothing it
was built from can have changed: the positions seen before it was read, and the instants
at which its deadlines turn by time alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from ledger_api.positions import Positions
from projector.views.answers import Answer, Answers, turns

pytestmark = pytest.mark.unit

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SEEN = {"ledger": 40, "projection": 40, "generation": 1}


def deadline(state: str, due_in: timedelta, lead: timedelta = timedelta(0)) -> dict[str, Any]:
    """A deadline as the API holds it: the read model's document, as JSON builtins."""
    doc = {"ref": "p/r", "state": state, "due_at": NOW + due_in, "lead_time": lead}
    return msgspec.to_builtins(doc)  # type: ignore[no-any-return]


def test_a_pending_deadline_turns_when_its_lead_time_begins() -> None:
    deadlines = [deadline("pending", timedelta(minutes=30), lead=timedelta(minutes=10))]
    assert turns(deadlines, NOW) == NOW + timedelta(minutes=20)


def test_a_deadline_due_soon_turns_when_it_is_due() -> None:
    deadlines = [deadline("due_soon", timedelta(minutes=5), lead=timedelta(minutes=10))]
    assert turns(deadlines, NOW) == NOW + timedelta(minutes=5)


def test_a_deadline_read_due_soon_at_its_due_instant_is_not_kept_from_then_on() -> None:
    # Given a deadline still due soon at exactly its due instant (which is in time), when the
    # answer is kept, then not past that instant: it turns missed just after it.
    deadlines = [deadline("due_soon", timedelta(0), lead=timedelta(minutes=10))]
    assert turns(deadlines, NOW) == NOW
    assert kept(until=NOW).get("INC-1", "en", SEEN, NOW) is None


def test_the_earliest_turn_of_all_deadlines_counts() -> None:
    deadlines = [deadline("pending", timedelta(hours=2)), deadline("due_soon", timedelta(hours=1))]
    assert turns(deadlines, NOW) == NOW + timedelta(hours=1)


def test_met_missed_waived_and_paused_deadlines_never_turn_by_time() -> None:
    settled = ["met", "met_late", "missed", "waived", "paused"]
    assert turns([deadline(s, timedelta(minutes=5)) for s in settled], NOW) is None


def kept(until: datetime | None = None) -> Answers:
    answers = Answers()
    answers.put("INC-1", "en", Answer(timeline=None, pairs=[], covers=dict(SEEN), until=until))
    return answers


def test_an_answer_is_reused_while_the_positions_are_those_it_was_read_at() -> None:
    assert kept().get("INC-1", "en", dict(SEEN), NOW) is not None


@pytest.mark.parametrize("moved", ["ledger", "projection", "generation"])
def test_an_answer_is_not_reused_once_any_position_has_moved(moved: str) -> None:
    assert kept().get("INC-1", "en", SEEN | {moved: SEEN[moved] + 1}, NOW) is None


def test_an_answer_is_not_reused_once_a_deadline_in_it_has_turned() -> None:
    answers = kept(until=NOW + timedelta(minutes=1))
    assert answers.get("INC-1", "en", dict(SEEN), NOW) is not None
    assert answers.get("INC-1", "en", dict(SEEN), NOW + timedelta(minutes=1)) is None


def answer(entries: int) -> Answer:
    return Answer(timeline=None, pairs=[None] * entries, covers=dict(SEEN))  # type: ignore[list-item]


def test_answers_are_kept_by_language_for_the_incidents_read_last_by_entries() -> None:
    """Given room for 25 entries, when three 10-entry timelines are answered, the one read
    least recently goes; a timeline larger than the whole room is never kept."""
    answers = Answers(entries=25)
    for incident in ("INC-1", "INC-2", "INC-3"):
        answers.put(incident, "en", answer(10 - 1))  # weighs its entries + 1
        answers.get("INC-1", "en", dict(SEEN), NOW)
    assert answers.get("INC-2", "en", dict(SEEN), NOW) is None
    assert answers.get("INC-1", "en", dict(SEEN), NOW) is not None
    assert answers.get("INC-3", "en", dict(SEEN), NOW) is not None
    assert answers.get("INC-3", "zh", dict(SEEN), NOW) is None
    answers.put("HUGE-1", "en", answer(30))
    assert answers.get("HUGE-1", "en", dict(SEEN), NOW) is None
    assert answers.get("INC-3", "en", dict(SEEN), NOW) is not None


class SlowPool:
    """A database whose positions query takes a while, counting how often it is asked."""

    def __init__(self) -> None:
        self.asked = 0

    async def fetchrow(self, query: str) -> dict[str, int]:
        self.asked += 1
        await asyncio.sleep(0.01)
        return {"ledger": self.asked, "projection": 0, "generation": 1}


async def test_concurrent_requests_share_one_read_of_the_positions() -> None:
    pool, positions = SlowPool(), Positions()
    seen = await asyncio.gather(*(positions.current(pool) for _ in range(16)))
    assert pool.asked == 1
    assert {s["ledger"] for s in seen} == {1}
