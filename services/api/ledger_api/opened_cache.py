"""Personal values opened for auditors, kept in the API's process between requests so
that a read opens in PostgreSQL only the tokens it has not met lately: commitment →
subject, incident and value, at most :data:`ENTRIES` of them (the least recently used go
first).

Erasure must purge every process cache (docs/erasure.md), so values are kept only while
every erasure is heard of: ``ledger_api.erasure_listener`` listens for the erasures'
notifications (``subject_keys.ERASED_CHANNEL``, sent at commit) on a connection of its
own and drops each subject's values. While it does not listen (starting, its connection
lost, reconnecting) the cache is empty and bypassed: a notification may have been missed.
A read that began before a notification, or before listening started or stopped, keeps
nothing it read (:attr:`OpenedCache.generation`, taken before its query): what it read
may be what the erasure just destroyed."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Final

import asyncpg

from ledger.store import subject_keys
from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import HeldValue, Opened

ENTRIES: Final = 100_000
"""Opened values kept at most, per API process (a value is a personal field: tens of
bytes; the whole at most some tens of MB)."""


class OpenedCache:
    """Opened values by commitment, each with its subject (to drop on erasure) and the
    incident whose events sealed it (a token copied into another incident's text opens
    nothing there, kept or not)."""

    def __init__(self, size: int = ENTRIES) -> None:
        self.size = size
        self.listening = False  # every erasure from now on will be heard of
        self.generation = 0  # moves with every erasure heard and every change of listening
        self._values: OrderedDict[bytes, HeldValue] = OrderedDict()
        self._of: dict[str, set[bytes]] = {}  # subject → its commitments kept

    def __len__(self) -> int:
        return len(self._values)

    def found(
        self, commitments: Iterable[bytes], incident: str | None
    ) -> tuple[Opened, set[bytes]]:
        """The values of ``commitments`` kept here (sealed in ``incident``'s events, if
        given), and the commitments to ask PostgreSQL for."""
        known: Opened = {}
        missing: set[bytes] = set()
        for made in commitments:
            held = self._values.get(made)
            if held is None or (incident is not None and held.incident != incident):
                missing.add(made)
            else:
                self._values.move_to_end(made)
                known[made] = held.value
        return known, missing

    def keep(self, held: Mapping[bytes, HeldValue], generation: int) -> None:
        """Keep ``held``, read by a query that began at ``generation``: unless an erasure
        was heard of since, or listening started or stopped."""
        if not self.listening or generation != self.generation:
            return
        for made, value in held.items():
            self._values[made] = value
            self._values.move_to_end(made)
            self._of.setdefault(value.subject, set()).add(made)
        while len(self._values) > self.size:
            made, value = self._values.popitem(last=False)
            kept = self._of[value.subject]
            kept.discard(made)
            if not kept:
                del self._of[value.subject]

    def erased(self, subject: str) -> None:
        """Drop ``subject``'s values; reads under way keep nothing."""
        self.generation += 1
        for made in self._of.pop(subject, ()):
            self._values.pop(made, None)

    def listen(self, listening: bool) -> None:
        """Every erasure is heard of from now on (True), or may not be (False): emptied
        either way, and reads under way keep nothing."""
        self.generation += 1
        self.listening = listening
        self._values.clear()
        self._of.clear()


async def open_values(
    cache: OpenedCache | None,
    conn: asyncpg.Connection | asyncpg.Pool,
    master: MasterKey,
    commitments: Iterable[bytes],
    incident: str | None = None,
) -> Opened:
    """``subject_keys.open_values`` through ``cache``: only the commitments not kept
    there are asked of PostgreSQL (``conn`` a pool: none taken when all are kept), and
    what they open is kept."""
    if cache is None:
        return await subject_keys.open_values(conn, master, commitments, incident)
    known, missing = cache.found(commitments, incident)
    if not missing:
        return known
    generation = cache.generation
    held = await subject_keys.open_held(conn, master, missing, incident)
    cache.keep(held, generation)
    return known | {made: h.value for made, h in held.items()}
