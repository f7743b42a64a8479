"""The organisations' and sites' profiles the API's own folds judge incidents on (``as_of``
views, reports, claim packs): every profile event recorded, read once and then only the
new ones. The registry keeps each profile's history by position, so one registry answers
any cut (``docs/profiles.md``)."""

from __future__ import annotations

import asyncio
import bisect
from datetime import datetime

import asyncpg

from projector.domain import profiles
from projector.domain.facts import from_record

_NEW = r"""
WITH h AS (SELECT coalesce(max(position), 0) AS head FROM events)
SELECT h.head, e.* FROM h LEFT JOIN LATERAL (
  SELECT position, version, recorded_at, record FROM events
  WHERE position > $1 AND position <= h.head AND incident_id LIKE '\_org-%'
  ORDER BY position) e ON true
"""


class ProfileReads:
    """The registry of every profile event up to ``known``, advanced on each read."""

    def __init__(self) -> None:
        self.registry = profiles.Registry()
        self.known = 0
        self._marks: list[tuple[datetime, int]] = []  # (recorded_at, position) of each
        self._lock = asyncio.Lock()

    async def at(
        self, conn: asyncpg.Connection, as_of: datetime | None
    ) -> tuple[profiles.Registry, int]:
        """The registry and the position its profiles are read at: now (the head), or
        the last profile event recorded by ``as_of``."""
        async with self._lock:
            rows = await conn.fetch(_NEW, self.known)
            for r in rows:
                if r["position"] is None:
                    continue
                fact = from_record(r["position"], r["version"], r["recorded_at"], r["record"])
                self.registry = profiles.evolve(self.registry, fact)
                self._marks.append((fact.recorded_at, fact.position))
            self.known = max(self.known, int(rows[0]["head"]))
        if as_of is None:
            return self.registry, self.known
        cut = bisect.bisect_right(self._marks, (as_of, self.known + 1))
        return self.registry, self._marks[cut - 1][1] if cut else 0
