"""Timeline entries: each record as an auditor reads it (hash and link, a one-line
summary, ``backdated``, corrections linked both ways), and the per-incident cache that
spares decoding records already seen (records never change)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from cachetools import LRUCache

from contracts.events import EventCorrected
from plumbing.caching import keep
from projector.domain.facts import Fact, event_bytes, from_event
from projector.domain.models import Config
from projector.domain.profile_changes import ProfileChange
from projector.views.report_text import line
from projector.views.summaries import Language

CSV_COLUMNS = (
    "position", "version", "type", "occurred_at", "recorded_at", "actor_id", "actor_name",
    "actor_role", "source", "summary", "backdated", "corrects_event_id", "event_id", "hash",
    "prev_hash",
)  # fmt: skip


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    position: int
    version: int
    event_id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: dict[str, str]
    source: str
    summary: str
    backdated: bool
    hash: str
    prev_hash: str | None
    corrects: int | None = None  # the position of the entry this one corrects
    corrected_by: list[int] = []
    # set on an entry of the incident's organisation's or site's profile, recorded after
    # its basis (``projector.views.profile_entries``)
    profile_change: ProfileChange | None = None
    event: msgspec.Raw  # the event exactly as recorded


ENTRIES = 20_000  # entries (with their facts) kept per API process, across incidents


class Cache:
    """Each incident's entries and facts in version order, by language, for the incidents
    read most recently (``ENTRIES`` in all). Records never change, so a cached list is
    extended by the new records only, and cut for ``as_of`` views; it is checked against
    the rows' positions."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self._kept = LRUCache[tuple[str, str], list[tuple[Entry, Fact]]](entries, len)

    def pairs(
        self, incident_id: str, rows: list[Any], lang: Language, config: Config
    ) -> list[tuple[Entry, Fact]]:
        key = (incident_id, lang)
        known = self._kept.get(key) or []
        usable = min(len(known), len(rows))
        if usable and known[usable - 1][0].position != rows[usable - 1]["position"]:
            usable = 0  # not the history it was: rebuilt from the rows
        pairs = known[:usable] + [entry(r, lang, config) for r in rows[usable:]]
        if len(pairs) > len(known) or not known:  # an as_of view never shortens it
            keep(self._kept, key, pairs)
        return pairs


def entry(row: Any, lang: Language, config: Config) -> tuple[Entry, Fact]:
    raw = event_bytes(row["record"])
    fact = from_event(row["position"], row["version"], row["recorded_at"], raw)
    env = fact.envelope
    made = Entry(
        position=fact.position,
        version=fact.version,
        event_id=str(env.event_id),
        type=env.type,
        occurred_at=env.occurred_at,
        recorded_at=fact.recorded_at,
        actor={"id": env.actor.id, "name": env.actor.name, "role": env.actor.role},
        source=row["source"],
        summary=line(env.type, env.payload, lang),
        backdated=fact.recorded_at - env.occurred_at > config.backdated_after,
        hash=row["hash"].hex(),
        prev_hash=None if row["prev_hash"] is None else row["prev_hash"].hex(),
        event=raw,
    )
    return made, fact


def corrected_id(fact: Fact) -> str | None:
    payload = fact.envelope.payload
    return str(payload.corrects_event_id) if isinstance(payload, EventCorrected) else None


def linked(pairs: list[tuple[Entry, Fact]]) -> list[Entry]:
    """Corrections joined to the entries they correct, both ways."""
    fixes = [(e.position, c) for e, f in pairs if (c := corrected_id(f))]
    if not fixes:
        return [e for e, _ in pairs]
    by_id = {e.event_id: e.position for e, _ in pairs}
    targets = {pos: by_id.get(str(target)) for pos, target in fixes}
    backwards: dict[int, list[int]] = {}
    for pos, target in sorted(targets.items()):
        if target is not None:
            backwards.setdefault(target, []).append(pos)
    return [
        msgspec.structs.replace(
            e, corrects=targets.get(e.position), corrected_by=backwards.get(e.position, [])
        )
        if e.position in targets or e.position in backwards
        else e
        for e, _ in pairs
    ]


def csv_row(e: Entry, corrects: str | None = None) -> list[Any]:
    return [
        e.position, e.version, e.type, e.occurred_at.isoformat(), e.recorded_at.isoformat(),
        e.actor["id"], e.actor["name"], e.actor["role"], e.source, e.summary, e.backdated,
        corrects or "", e.event_id, e.hash, e.prev_hash or "",
    ]  # fmt: skip
