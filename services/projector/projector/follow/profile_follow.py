"""The organisations' and sites' profiles as the fold reads them: every profile event up to
the position being folded, whatever partition of the incidents a step folds (they are few,
and every incident's basis may need any of them), and the rows of the ``organisations``
and ``sites`` views for the profile streams a batch touched. See ``docs/profiles.md``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import asyncpg
import msgspec

from contracts.events.profile import (
    OrganisationRegistered,
    OrganisationUpdated,
    SiteRegistered,
    SiteUpdated,
)
from projector.domain import profiles
from projector.domain.facts import Fact, from_record

_PROFILE_EVENTS = r"""
SELECT position, version, recorded_at, record FROM events
WHERE position > $1 AND ($2::bigint IS NULL OR position <= $2)
  AND incident_id LIKE '\_org-%' ORDER BY position
"""
_encode = msgspec.json.Encoder().encode


async def profile_facts(conn: asyncpg.Connection, after: int, upto: int | None) -> list[Fact]:
    """The profile events at positions in (``after``, ``upto``] (None: to the head)."""
    rows = await conn.fetch(_PROFILE_EVENTS, after, upto)
    return [from_record(r["position"], r["version"], r["recorded_at"], r["record"]) for r in rows]


class _Names(msgspec.Struct):
    """Each organisation's and site's name, sites by organisation, history positions."""

    names: dict[str, str] = {}
    sites: dict[str, dict[str, str]] = {}
    history: dict[str, list[int]] = {}


class Profiles:
    """The registry of every profile event up to ``known``, advanced before each step."""

    def __init__(self) -> None:
        self.registry = profiles.Registry()
        self.known = 0
        self._names = _Names()

    def take(self, facts: Iterable[Fact]) -> None:
        for fact in facts:
            self.registry = profiles.evolve(self.registry, fact)
            self._note(fact)
            self.known = max(self.known, fact.position)

    async def advance(self, conn: asyncpg.Connection, upto: int | None) -> None:
        """Read the profile events after ``known`` up to ``upto`` (None: the head)."""
        if upto is not None and upto <= self.known:
            return
        self.take(await profile_facts(conn, self.known, upto))
        if upto is not None:
            self.known = max(self.known, upto)

    async def load(self, conn: asyncpg.Connection) -> None:
        """Every profile event recorded so far."""
        head = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
        await self.advance(conn, int(head))

    def changed(self, after: int, upto: int) -> set[str]:
        """The organisations whose profile (or a site's) changed in (``after``, ``upto``]."""
        return {
            key.partition("/")[0]
            for key, positions in self._names.history.items()
            if any(after < p <= upto for p in positions)
        }

    def _note(self, fact: Fact) -> None:
        payload = fact.envelope.payload
        own = self._names
        if isinstance(payload, OrganisationRegistered | OrganisationUpdated):
            own.names[payload.organisation_id] = payload.name
            own.history.setdefault(payload.organisation_id, []).append(fact.position)
        elif isinstance(payload, SiteRegistered | SiteUpdated):
            key = f"{payload.organisation_id}/{payload.site_id}"
            own.sites.setdefault(payload.organisation_id, {})[payload.site_id] = payload.name
            own.history.setdefault(key, []).append(fact.position)

    def rows(self, organisations: Iterable[str], read: int) -> tuple[list[Any], list[Any]]:
        """The ``organisations`` and ``sites`` rows of ``organisations`` as at ``read``."""
        orgs: list[Any] = []
        sites: list[Any] = []
        for org in organisations:
            basis = profiles.basis_at(self.registry, org, read + 1)
            if basis.position is None or basis.site_id is not None:
                continue  # not registered yet, or an id that is some site's
            orgs.append(self._org_row(org, basis, read))
            for site, name in self._names.sites.get(org, {}).items():
                held = profiles.basis_at(self.registry, site, read + 1)
                if held.site_id == site and held.organisation_id == org:
                    sites.append(self._site_row(org, site, name, held, read))
        return orgs, sites

    def _org_row(self, org: str, basis: profiles.Basis, read: int) -> tuple[Any, ...]:
        history = [p for p in self._names.history.get(org, []) if p <= read]
        refused = sorted(
            {
                r.site_id
                for r in self.registry.refused
                if r.organisation_id == org and r.position <= read
            }
        )
        doc = {"profile": basis.facts, "context": basis.context, "history": history,
               "refused_sites": refused}  # fmt: skip
        return org, self._names.names.get(org, org), history[-1], _encode(doc).decode()

    def _site_row(
        self, org: str, site: str, name: str, basis: profiles.Basis, read: int
    ) -> tuple[Any, ...]:
        history = [p for p in self._names.history.get(f"{org}/{site}", []) if p <= read]
        doc = {"profile": basis.facts, "context": basis.context, "history": history,
               "basis_position": basis.position}  # fmt: skip
        return site, org, name, history[-1], _encode(doc).decode()
