"""Who is subject to what: organisations and their sites, recorded like any other event.

An organisation's profile events travel in a stream of their own, whose ``incident_id`` is
``_org-<organisation_id>`` (:func:`contracts.profile_rules.stream_of`): its sites' events go in
the same stream, so one organisation's profile is one ordered, hash-linked history. A
``*.updated`` event restates the whole profile (or the site's whole set of overrides): what
it leaves out returns to the default (or, for a site, to the organisation's value).
See ``docs/profiles.md``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec

from contracts.events.base import Payload
from contracts.types import Short, SourceId, Text

ProfileId = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9_-]{1,59}$",
        description="An organisation's or a site's id (a NATS subject token, at most 59).",
    ),
]
Country = Annotated[
    str,
    msgspec.Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2, with a holiday calendar."),
]
Subdivision = Annotated[
    str, msgspec.Meta(pattern=r"^[A-Z0-9-]{1,10}$", description="A subdivision of the country.")
]
TimeZone = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, description="An IANA time zone name.")
]
Duration = Annotated[
    str,
    msgspec.Meta(pattern=r"^[0-9]{1,5}(m|h|d|bd)$", description="e.g. 30m, 72h, 4d, 4bd."),
]
ParamKey = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*(:[A-Za-z0-9_./-]{1,64})?$",
        description="<pack>.<param>, or <pack>.<param>:<policy reference>.",
    ),
]


class Subjection(StrEnum):
    """A legal or contractual regime an organisation is subject to: one per regime pack."""

    DORA = "dora"
    NIS2 = "nis2"
    GDPR = "gdpr"
    SEC = "sec"
    HIPAA = "hipaa"
    OSHA = "osha"
    CN_WORK_SAFETY = "cn_work_safety"
    CN_PUBLIC_HEALTH = "cn_public_health"
    CN_CYBER = "cn_cyber"
    INSURER = "insurer"


class Plan(StrEnum):
    """An emergency plan an organisation (or a site) has adopted: one per plan pack."""

    CALL_CENTRE = "call_centre"
    PROPERTY = "property"
    KINDERGARTEN = "kindergarten"
    POWER_95598 = "power_95598"
    SERVICE_HALL = "service_hall"


class EntityType(StrEnum):
    """The regulated entity's type (DORA Art. 2, NIS2 Art. 3; others are ``other``)."""

    CREDIT_INSTITUTION = "credit_institution"
    PAYMENT_INSTITUTION = "payment_institution"
    E_MONEY_INSTITUTION = "e_money_institution"
    INVESTMENT_FIRM = "investment_firm"
    INSURANCE_UNDERTAKING = "insurance_undertaking"
    CCP = "ccp"
    CSD = "csd"
    TRADING_VENUE = "trading_venue"
    NIS2_ESSENTIAL = "nis2_essential"
    NIS2_IMPORTANT = "nis2_important"
    OTHER = "other"


class SiteClass(StrEnum):
    URBAN = "urban"
    OTHER = "other"


class OperatorClass(StrEnum):
    """China's cyber-incident reporting class (CAC 2025)."""

    CII = "cii"
    STATE_ORGAN = "state_organ"
    OTHER = "other"


Regimes = Annotated[tuple[Subjection, ...], msgspec.Meta(max_length=16)]
Plans = Annotated[tuple[Plan, ...], msgspec.Meta(max_length=8)]
Params = Annotated[dict[ParamKey, Duration], msgspec.Meta(max_length=64)]
Sources = Annotated[
    tuple[SourceId, ...],
    msgspec.Meta(
        max_length=32,
        description="The publishing systems that speak for the organisation (empty: any).",
    ),
]


class OrganisationProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What the packs need to know about an organisation."""

    entity_type: EntityType = EntityType.OTHER
    country: Country
    subdivision: Subdivision | None = None
    timezone: TimeZone
    subject_to: Regimes = ()
    plans: Plans = ()
    site_class: SiteClass = SiteClass.URBAN
    operator_class: OperatorClass = OperatorClass.OTHER
    noon_rule_disapplied: bool = False
    params: Params = {}
    sources: Sources = ()


class SiteProfile(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A site's overrides of its organisation's profile: ``None`` inherits."""

    country: Country | None = None
    subdivision: Subdivision | None = None
    timezone: TimeZone | None = None
    subject_to: Regimes | None = None
    plans: Plans | None = None
    site_class: SiteClass | None = None
    operator_class: OperatorClass | None = None
    params: Params | None = None


class _OrganisationStated(Payload, frozen=True, kw_only=True):
    """What an organisation's registration and each of its updates state in full."""

    organisation_id: ProfileId
    name: Short
    profile: OrganisationProfile
    note: Text = ""


class OrganisationRegistered(_OrganisationStated, frozen=True, kw_only=True):
    """单位登记 (organisation registered): an organisation and its profile, first stated."""

    TYPE = "organisation.registered.v1"


class OrganisationUpdated(_OrganisationStated, frozen=True, kw_only=True):
    """单位信息变更: the organisation's whole profile, restated (replaces the previous one)."""

    TYPE = "organisation.updated.v1"


class _SiteStated(Payload, frozen=True, kw_only=True):
    """What a site's registration and each of its updates state in full."""

    organisation_id: ProfileId
    site_id: ProfileId
    name: Short
    profile: SiteProfile = SiteProfile()
    note: Text = ""


class SiteRegistered(_SiteStated, frozen=True, kw_only=True):
    """场所登记 (site registered): a site of an organisation. Incidents name it in
    ``site.location_code``."""

    TYPE = "site.registered.v1"


class SiteUpdated(_SiteStated, frozen=True, kw_only=True):
    """场所信息变更: the site's whole set of overrides, restated (replaces the previous one)."""

    TYPE = "site.updated.v1"


PROFILE_TYPES: tuple[type[Payload], ...] = (
    OrganisationRegistered,
    OrganisationUpdated,
    SiteRegistered,
    SiteUpdated,
)
