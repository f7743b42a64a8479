"""Who is subject to what, by log position: organisations' and sites' profile histories
and the basis an incident is judged on. Pure. See ``docs/profiles.md``."""

from __future__ import annotations

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
from contracts.profiles import is_profile_stream as is_profile_stream
from projector.domain import deadlines
from projector.domain.facts import Fact

UNREGISTERED = "unregistered_site"


class _Org(msgspec.Struct, frozen=True):
    position: int
    name: str
    profile: OrganisationProfile


class _Site(msgspec.Struct, frozen=True):
    position: int
    organisation_id: str
    name: str
    profile: SiteProfile


_Held = TypeVar("_Held", _Org, _Site)


class Registry(msgspec.Struct, frozen=True):
    organisations: dict[str, tuple[_Org, ...]] = {}
    sites: dict[str, tuple[_Site, ...]] = {}


class Basis(msgspec.Struct, frozen=True, kw_only=True):
    organisation_id: str | None = None
    site_id: str | None = None
    issue: str | None = UNREGISTERED
    position: int | None = None
    context: deadlines.Context = deadlines.Context()
    facts: dict[str, str] = {}


def evolve(registry: Registry, fact: Fact) -> Registry:
    payload = fact.envelope.payload
    if isinstance(payload, OrganisationRegistered | OrganisationUpdated):
        org = _Org(fact.position, payload.name, payload.profile)
        had = registry.organisations.get(payload.organisation_id, ())
        orgs = registry.organisations | {payload.organisation_id: (*had, org)}
        return Registry(orgs, registry.sites)
    if isinstance(payload, SiteRegistered | SiteUpdated):
        had_site = registry.sites.get(payload.site_id, ())
        if had_site and had_site[0].organisation_id != payload.organisation_id:
            return registry  # another organisation's site id: refused
        site = _Site(fact.position, payload.organisation_id, payload.name, payload.profile)
        return Registry(
            registry.organisations, registry.sites | {payload.site_id: (*had_site, site)}
        )
    return registry


def _at(history: tuple[_Held, ...], before: int) -> _Held | None:
    found = None
    for item in history:
        if item.position < before:
            found = item
    return found


def basis_at(registry: Registry, location_code: str | None, before: int) -> Basis:
    if location_code is None:
        return Basis()
    site = _at(registry.sites.get(location_code, ()), before)
    org_id = site.organisation_id if site is not None else location_code
    org = _at(registry.organisations.get(org_id, ()), before)
    if org is None:
        return Basis()
    p, s = org.profile, (site.profile if site is not None else SiteProfile())
    context = deadlines.Context(
        entity_type=str(p.entity_type),
        timezone=s.timezone or p.timezone,
        country=s.country or p.country,
        subdivision=s.subdivision or p.subdivision,
        site_class=str(s.site_class or p.site_class),
        operator_class=str(s.operator_class or p.operator_class),
        subject_to=tuple(
            str(r) for r in (s.subject_to if s.subject_to is not None else p.subject_to)
        ),
        noon_rule_disapplied=p.noon_rule_disapplied,
        params=dict(s.params if s.params is not None else p.params),
    )
    positions = [org.position] + ([site.position] if site is not None else [])
    facts = {"subject_to": ",".join(context.subject_to), "country": context.country,
             "timezone": context.timezone, "entity_type": context.entity_type}  # fmt: skip
    return Basis(organisation_id=org_id, site_id=None if site is None else location_code,
                 issue=None, position=max(positions), context=context, facts=facts)  # fmt: skip
