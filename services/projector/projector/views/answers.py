"""Current timelines (no ``as_of``) kept as answered, for the incidents read most recently.

An answer is reused only while nothing it was built from can have changed:

- the positions seen *before* it was read (ledger head, read models' position and
  generation) are still the latest seen: no record, projection or rebuild since, so the
  ``X-Ledger-Position`` a reuse reports is one its data reflects;
- no deadline in it has reached the instant its state turns (``due_soon``, ``missed``).

On a busy ledger the head moves within ``positions.FRESH`` and answers are rebuilt (from
the entry cache, decoding new records only); an incident read again and again while the
ledger is quiet, the auditor's usual pattern, is answered without reading it again. The
access log is written for every answer all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec
from cachetools import LRUCache

from plumbing.caching import keep
from projector.domain.deadlines.obligation import TURNING
from projector.domain.facts import Fact
from projector.views.entries import Entry


class _Clock(msgspec.Struct):
    state: str
    due_at: datetime
    lead_time: timedelta = timedelta(0)


@dataclass
class Answer:
    timeline: Any  # timeline.Timeline
    pairs: list[tuple[Entry, Fact]]
    covers: dict[str, int] = field(default_factory=dict)
    until: datetime | None = None
    bodies: dict[tuple[str, str], bytes] = field(default_factory=dict)  # (order, format)


def turns(deadlines: list[dict[str, Any]], now: datetime) -> datetime | None:
    """The first instant, from ``now`` on, at which a deadline's state turns by time alone.
    Due soon from its lead instant, missed only after its due instant (which is still in
    time): a deadline read at exactly its due instant turns just after it, so the answer is
    not kept from ``now`` on (an instant at ``now`` counts)."""
    clocks = msgspec.convert(deadlines, list[_Clock], strict=False)
    instants = [
        at
        for c in clocks
        if c.state in TURNING
        for at in (c.due_at - c.lead_time, c.due_at)
        if at >= now
    ]
    return min(instants, default=None)


ENTRIES = 10_000  # entries in the answers kept per API process, with their encodings


class Answers:
    def __init__(self, entries: int = ENTRIES) -> None:
        self._kept = LRUCache[tuple[str, str], Answer](entries, lambda a: len(a.pairs) + 1)

    def get(
        self, incident_id: str, lang: str, seen: dict[str, int], now: datetime
    ) -> Answer | None:
        answer = self._kept.get((incident_id, lang))
        if answer is None or answer.covers != seen or (answer.until and now >= answer.until):
            return None
        return answer

    def put(self, incident_id: str, lang: str, answer: Answer) -> None:
        keep(self._kept, (incident_id, lang), answer)
