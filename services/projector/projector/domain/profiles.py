"""Who is subject to what: organisations' and sites' profiles by log position. Pure.

``evolve(registry, fact)`` folds the profile events (``docs/profiles.md``) into every
organisation's and site's history; ``basis_at(registry, location_code, before)`` is the
profile in force for an incident placed at ``location_code`` before log position
``before``, with the deadline engine's :class:`Context` built from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

import msgspec

from contracts.events.incident import IncidentReported
from contracts.events.profile import (
    OrganisationProfile,
    OrganisationRegistered,
    OrganisationUpdated,
    SiteProfile,
    SiteRegistered,
    SiteUpdated,
)
from contracts.profile_rules import is_profile_stream as is_profile_stream
from projector.domain.deadlines.context import Context
from projector.domain.deadlines.state import IncidentState
from projector.domain.effective_profile import context_of as context_of
from projector.domain.effective_profile import effective as effective
from projector.domain.effective_profile import facts_of as facts_of
from projector.domain.effective_profile import speaks_for
from projector.domain.facts import Fact

UNREGISTERED_SITE = "unregistered_site"
FOREIGN_SOURCE = "foreign_source"  # reported by a system its organisation does not name


class Version(msgspec.Struct, frozen=True, kw_only=True):
    """A profile as stated by the event at ``position``."""

    position: int
    type: str = ""  # the profile event's type


class OrganisationVersion(Version, frozen=True, kw_only=True):
    """An organisation's profile as stated by the event at ``position``."""

    organisation_id: str
    name: str
    profile: OrganisationProfile


class SiteVersion(Version, frozen=True, kw_only=True):
    """A site's overrides as stated by the event at ``position``."""

    organisation_id: str
    site_id: str
    name: str
    profile: SiteProfile


class Refusal(msgspec.Struct, frozen=True, kw_only=True):
    """A site event ignored: its site id belongs to another organisation."""

    position: int
    organisation_id: str
    site_id: str
    owner: str


class Registry(msgspec.Struct, frozen=True, kw_only=True):
    """Every organisation's and site's profile history, oldest first."""

    organisations: dict[str, tuple[OrganisationVersion, ...]] = {}
    sites: dict[str, tuple[SiteVersion, ...]] = {}
    refused: tuple[Refusal, ...] = ()


class Basis(msgspec.Struct, frozen=True, kw_only=True):
    """The profile an incident's obligations are judged under (shared by the incidents of a
    site while its profile holds: read it, never change its dicts)."""

    organisation_id: str | None = None
    site_id: str | None = None
    issue: str | None = None
    position: int | None = None
    context: Context = Context(restricted=True)
    facts: dict[str, str] = {}


T = TypeVar("T", bound=Version)


def _with(history: dict[str, tuple[T, ...]], key: str, version: T) -> dict[str, tuple[T, ...]]:
    return {**history, key: (*history.get(key, ()), version)}


def _site(registry: Registry, fact: Fact, payload: SiteRegistered | SiteUpdated) -> Registry:
    owner = registry.sites.get(payload.site_id, (None,))[0]
    if owner is not None and owner.organisation_id != payload.organisation_id:
        refusal = Refusal(
            position=fact.position,
            organisation_id=payload.organisation_id,
            site_id=payload.site_id,
            owner=owner.organisation_id,
        )
        return msgspec.structs.replace(registry, refused=(*registry.refused, refusal))
    version = SiteVersion(
        position=fact.position,
        type=fact.type,
        organisation_id=payload.organisation_id,
        site_id=payload.site_id,
        name=payload.name,
        profile=payload.profile,
    )
    return msgspec.structs.replace(registry, sites=_with(registry.sites, payload.site_id, version))


def evolve(registry: Registry, fact: Fact) -> Registry:
    """The registry after ``fact`` (facts in position order; others leave it as it is)."""
    payload = fact.envelope.payload
    if isinstance(payload, SiteRegistered | SiteUpdated):
        return _site(registry, fact, payload)
    if not isinstance(payload, OrganisationRegistered | OrganisationUpdated):
        return registry
    version = OrganisationVersion(
        position=fact.position,
        type=fact.type,
        organisation_id=payload.organisation_id,
        name=payload.name,
        profile=payload.profile,
    )
    organisations = _with(registry.organisations, payload.organisation_id, version)
    return msgspec.structs.replace(registry, organisations=organisations)


def fold(facts: Iterable[Fact], registry: Registry | None = None) -> Registry:
    found = registry or Registry()
    for fact in facts:
        found = evolve(found, fact)
    return found


def _at(history: tuple[T, ...], before: int) -> T | None:
    """The last version recorded before position ``before``."""
    found = None
    for version in history:
        if version.position >= before:
            break
        found = version
    return found


_Built = tuple[OrganisationVersion, SiteVersion | None, Basis]
_built: dict[tuple[int, int], _Built] = {}


def _basis(organisation: OrganisationVersion, site: SiteVersion | None) -> Basis:
    """The basis of these two versions, built once while they live (every incident of a
    site shares it; the ids are checked against the versions kept, as ids are reused)."""
    entry = _built.get((id(organisation), id(site)))
    if entry is None or entry[0] is not organisation or entry[1] is not site:
        if len(_built) > 100_000:
            _built.clear()
        entry = _built[(id(organisation), id(site))] = (
            organisation,
            site,
            _new(organisation, site),
        )
    return entry[2]


def _new(organisation: OrganisationVersion, site: SiteVersion | None) -> Basis:
    profile = effective(organisation.profile, site.profile if site else None)
    positions = [organisation.position, *([site.position] if site else [])]
    return Basis(
        organisation_id=organisation.organisation_id,
        site_id=site.site_id if site else None,
        position=max(positions),
        context=context_of(profile),
        facts=facts_of(profile),
    )


_UNREGISTERED = Basis(issue=UNREGISTERED_SITE)
_FOREIGN = Basis(issue=FOREIGN_SOURCE)


def basis_at(
    registry: Registry, location_code: str | None, before: int, source: str | None = None
) -> Basis:
    """The profile in force before log position ``before`` for an incident placed at
    ``location_code`` (a site id, else an organisation id) and reported by ``source``
    (None: not judged); unregistered, or foreign to a source its organisation does not
    name, otherwise."""
    if not location_code:
        return _UNREGISTERED
    site = _at(registry.sites.get(location_code, ()), before)
    owner = site.organisation_id if site else location_code
    organisation = _at(registry.organisations.get(owner, ()), before)
    if organisation is None:
        return _UNREGISTERED
    if source is not None and not speaks_for(organisation.profile, source):
        return _FOREIGN
    return _basis(organisation, site)


def source_of(state: IncidentState | Sequence[Fact]) -> str | None:
    """The publishing system that reported the incident (of its first event while it has
    no report)."""
    facts = state.facts if isinstance(state, IncidentState) else state
    for fact in facts:
        if isinstance(fact.envelope.payload, IncidentReported):
            return fact.envelope.source
    return facts[0].envelope.source if facts else None


def place_of(state: IncidentState) -> tuple[str | None, int | None]:
    """Where an incident is (its report's ``site.location_code``) and the position its
    basis is read before: its report's, or its first event's while it has no report."""
    return place_in(state.facts)


def place_in(facts: Sequence[Fact]) -> tuple[str | None, int | None]:
    """:func:`place_of` an incident's facts (in position order)."""
    for fact in facts:
        if isinstance(fact.envelope.payload, IncidentReported):
            return fact.envelope.payload.site.location_code, fact.position
    return None, facts[0].position if facts else None


def incident_basis(registry: Registry, state: IncidentState) -> Basis:
    """The basis of a folded incident: the profile in force at its report."""
    code, before = place_of(state)
    return basis_at(registry, code, before if before is not None else 0, source_of(state))
