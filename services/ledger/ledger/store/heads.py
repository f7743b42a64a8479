"""The leader's memory of recent incidents' heads, and which heads a batch needs read.

An incident the leader does not know is read back from the table (head and lifecycle in
one query), unless the batch's first event for it reports it (``incident.reported``,
expecting no version beyond 0): that one is taken to be new without a look. Were it not,
its version 1 would trip the unique (incident_id, version) index, and the writer retries
the batch against the table, as for a redelivered event_id. Only reports: taking every
unknown incident for new would have each batch after a failover fail once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import asyncpg

from contracts import lifecycle
from contracts.envelope import Envelope
from ledger.domain.prepared import Prepared
from ledger.domain.sequencer import IncidentHead
from ledger.store import event_rows as store

MAX_CACHED_HEADS = 100_000
REPORTED = "incident.reported"


def _reports(envelope: Envelope | Prepared) -> bool:
    """Whether ``envelope`` reports its incident, expecting it to be new (or anything)."""
    return not envelope.expected_version and lifecycle.name_of(envelope.type) == REPORTED


class Heads:
    """The most recent ``limit`` incidents' heads (the least recently used go first)."""

    def __init__(self, limit: int = MAX_CACHED_HEADS) -> None:
        self.limit = limit
        self._heads: OrderedDict[str, IncidentHead] = OrderedDict()

    async def of(
        self, conn: asyncpg.Connection, envelopes: Sequence[Envelope | Prepared]
    ) -> dict[str, IncidentHead]:
        """The heads of the batch's incidents, known or read, leaving out the new ones."""
        firsts, missing = self._missing(envelopes)
        for incident, head in (await store.load_heads(conn, missing)).items():
            self._heads[incident] = head
        return {i: self._heads[i] for i in firsts if i in self._heads}

    def known(self, envelopes: Sequence[Envelope | Prepared]) -> dict[str, IncidentHead] | None:
        """``of`` without reading: None if a head must be read from the table."""
        firsts, missing = self._missing(envelopes)
        return None if missing else {i: self._heads[i] for i in firsts if i in self._heads}

    def _missing(self, envelopes: Sequence[Envelope | Prepared]) -> tuple[list[str], list[str]]:
        """The batch's incidents, and those whose heads must be read."""
        firsts: dict[str, Envelope | Prepared] = {}
        for envelope in envelopes:
            firsts.setdefault(envelope.incident_id, envelope)
        missing = [i for i, e in firsts.items() if i not in self._heads and not _reports(e)]
        return list(firsts), missing

    def remember(self, heads: dict[str, IncidentHead]) -> None:
        for incident, head in heads.items():
            self._heads[incident] = head
            self._heads.move_to_end(incident)
        while len(self._heads) > self.limit:
            self._heads.popitem(last=False)

    def clear(self) -> None:
        self._heads.clear()
