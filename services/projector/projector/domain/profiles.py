"""Who is subject to what: organisations' and sites' profiles by log position. Pure.

``evolve(registry, fact)`` folds the profile events (``docs/profiles.md``) into every
organisation's and site's history; ``basis_at(registry, location_code, before)`` is the
profile in force for an incident placed at ``location_code`` before log position
``before``, with the deadline engine's :class:`Context` built from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import msgspec

from contracts.events.profile import (
    OrganisationProfile,
    OrganisationRegistered,
    OrganisationUpdated,
    SiteProfile,
    SiteRegistered,
    SiteUpdated,
)
from contracts.profiles import is_profile_stream
from projector.domain.deadlines.context import Context
from projector.domain.facts import Fact

__all__ = [
    "UNREGISTERED_SITE",
    "Basis",
    "OrganisationVersion",
    "Refusal",
    "Registry",
    "SiteVersion",
    "basis_at",
    "context_of",
    "effective",
    "evolve",
    "fold",
    "is_profile_stream",
]

UNREGISTERED_SITE = "unregistered_site"
_ORGANISATION_ONLY = frozenset({"entity_type", "noon_rule_disapplied"})


class _Version(msgspec.Struct, frozen=True, kw_only=True):
    position: int


class OrganisationVersion(_Version, frozen=True, kw_only=True):
    """An organisation's profile as stated by the event at ``position``."""

    organisation_id: str
    name: str
    profile: OrganisationProfile


class SiteVersion(_Version, frozen=True, kw_only=True):
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
    """The profile an incident's obligations are judged under."""

    organisation_id: str | None = None
    site_id: str | None = None
    issue: str | None = None
    position: int | None = None
    context: Context = Context(restricted=True)
    facts: dict[str, str] = {}


T = TypeVar("T", bound=_Version)


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


def effective(organisation: OrganisationProfile, site: SiteProfile | None) -> OrganisationProfile:
    """The organisation's profile with each field the site states replacing its own."""
    if site is None:
        return organisation
    stated = {
        name: value
        for name, value in msgspec.structs.asdict(site).items()
        if value is not None and name not in _ORGANISATION_ONLY
    }
    return msgspec.structs.replace(organisation, **stated)


def context_of(profile: OrganisationProfile) -> Context:
    """The deadline engine's Context of an effective profile: only its packs apply."""
    return Context(
        entity_type=str(profile.entity_type),
        timezone=profile.timezone,
        country=profile.country,
        subdivision=profile.subdivision,
        site_class=str(profile.site_class),
        operator_class=str(profile.operator_class),
        subject_to=tuple(str(s) for s in profile.subject_to),
        plans=tuple(str(p) for p in profile.plans),
        restricted=True,
        noon_rule_disapplied=profile.noon_rule_disapplied,
        params=dict(profile.params),
    )


def facts_of(profile: OrganisationProfile) -> dict[str, str]:
    """The profile's facts as text, for explanations."""
    return {
        "subject_to": ", ".join(map(str, profile.subject_to)),
        "plans": ", ".join(map(str, profile.plans)),
        "country": profile.country,
        "subdivision": profile.subdivision or "",
        "timezone": profile.timezone,
        "entity_type": str(profile.entity_type),
        "site_class": str(profile.site_class),
        "operator_class": str(profile.operator_class),
        "noon_rule_disapplied": "yes" if profile.noon_rule_disapplied else "no",
        "params": ", ".join(f"{k}={v}" for k, v in sorted(profile.params.items())),
    }


def _basis(organisation: OrganisationVersion, site: SiteVersion | None) -> Basis:
    profile = effective(organisation.profile, site.profile if site else None)
    positions = [organisation.position, *([site.position] if site else [])]
    return Basis(
        organisation_id=organisation.organisation_id,
        site_id=site.site_id if site else None,
        position=max(positions),
        context=context_of(profile),
        facts=facts_of(profile),
    )


def basis_at(registry: Registry, location_code: str | None, before: int) -> Basis:
    """The profile in force before log position ``before`` for an incident placed at
    ``location_code`` (a site id, else an organisation id); unregistered otherwise."""
    unregistered = Basis(issue=UNREGISTERED_SITE)
    if not location_code:
        return unregistered
    site = _at(registry.sites.get(location_code, ()), before)
    owner = site.organisation_id if site else location_code
    organisation = _at(registry.organisations.get(owner, ()), before)
    if organisation is None:
        return unregistered
    return _basis(organisation, site)
