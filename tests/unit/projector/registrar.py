"""Registering organisations and sites in a pure story: profile events, each at the next
log position, folded into a profile registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from contracts.builders import profile as build
from contracts.envelope import Actor, Envelope
from contracts.events.profile import OrganisationProfile, SiteProfile
from projector.domain import profiles
from projector.domain.facts import Fact

REGISTRAR = Actor(id="registrar", role="admin")
WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Registrar:
    """Profile events in log order; ``registry`` is their fold."""

    def __init__(self) -> None:
        self.facts: list[Fact] = []
        self.registry = profiles.Registry()

    @property
    def next_position(self) -> int:
        return len(self.facts) + 1

    def _then(self, make: Callable[..., Envelope], **fields: Any) -> Registrar:
        envelope = make(source="registry", actor=REGISTRAR, occurred_at=WHEN, **fields)
        fact = Fact(self.next_position, self.next_position, WHEN, envelope)
        self.facts.append(fact)
        self.registry = profiles.evolve(self.registry, fact)
        return self

    def organisation(self, org: str, updated: bool = False, **profile: Any) -> Registrar:
        make = build.update_organisation if updated else build.register_organisation
        stated = OrganisationProfile(**{"country": "DE", "timezone": "Europe/Berlin", **profile})
        return self._then(make, organisation_id=org, name=org.title(), profile=stated)

    def site(self, org: str, site: str, updated: bool = False, **profile: Any) -> Registrar:
        make = build.update_site if updated else build.register_site
        stated = SiteProfile(**profile)
        return self._then(make, organisation_id=org, site_id=site, name=site, profile=stated)

    def basis(self, code: str | None) -> profiles.Basis:
        """The basis of an incident reported after every event so far."""
        return profiles.basis_at(self.registry, code, self.next_position)
