"""An incident's effective profile (its organisation's, with what its site states) and
what the deadline engine and the explanations make of it. Pure."""

from __future__ import annotations

import msgspec

from contracts.events.profile import OrganisationProfile, SiteProfile
from projector.domain.deadlines.context import Context

_ORGANISATION_ONLY = frozenset({"entity_type", "noon_rule_disapplied", "sources"})


def speaks_for(profile: OrganisationProfile, source: str | None) -> bool:
    """Whether a publishing system speaks for the organisation: any does while its profile
    names none; else only those it names (``docs/profiles.md``)."""
    return not profile.sources or source in profile.sources


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
        "sources": ", ".join(profile.sources),
    }
