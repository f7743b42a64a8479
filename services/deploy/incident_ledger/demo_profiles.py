"""The demo's organisations and sites, and where each demo scenario happens: so that the
demo's board shows only the obligations each incident's organisation is subject to."""

from __future__ import annotations

import msgspec

from contracts import builders
from contracts.envelope import Actor, Envelope
from contracts.events import IncidentReported
from contracts.events.profile import EntityType, OrganisationProfile, Plan, SiteProfile
from contracts.events.profile import Subjection as Regime

REGISTRAR = Actor(id="registry-desk", role="registrar")
CHONGQING = "Asia/Chongqing"

ORGANISATIONS: dict[str, tuple[str, OrganisationProfile]] = {
    "rheinbank": ("Rheinbank AG", OrganisationProfile(
        entity_type=EntityType.CREDIT_INSTITUTION, country="DE", subdivision="HE",
        timezone="Europe/Berlin", subject_to=(Regime.DORA, Regime.GDPR))),
    "penghu-property": ("澎湖湾物业 Penghu Bay Property (Chongqing)", OrganisationProfile(
        country="CN", timezone=CHONGQING, subject_to=(Regime.CN_WORK_SAFETY,),
        plans=(Plan.PROPERTY,))),
    "sunflower-kg": ("向日葵幼儿园 Sunflower Kindergarten", OrganisationProfile(
        country="CN", timezone=CHONGQING, subject_to=(Regime.CN_PUBLIC_HEALTH,),
        plans=(Plan.KINDERGARTEN,))),
    "hotline-cc": ("热线呼叫中心 Hotline Call Centre", OrganisationProfile(
        country="CN", timezone=CHONGQING, plans=(Plan.CALL_CENTRE,))),
    "county-power": ("县供电公司 County Power Supply", OrganisationProfile(
        country="CN", timezone=CHONGQING, subject_to=(Regime.INSURER,),
        plans=(Plan.POWER_95598, Plan.SERVICE_HALL))),
    "acme-us": ("Acme Industries Inc. (NYSE)", OrganisationProfile(
        country="US", subdivision="NY", timezone="America/New_York",
        subject_to=(Regime.SEC, Regime.OSHA))),
}  # fmt: skip
SITES: dict[str, tuple[str, str, SiteProfile]] = {
    "rheinbank-ffm": ("rheinbank", "Frankfurt head office", SiteProfile()),
    "penghu-estate": ("penghu-property", "澎湖湾小区 Penghu Bay estate", SiteProfile()),
    "penghu-tower": ("penghu-property", "澎湖湾大厦 Penghu Bay tower", SiteProfile()),
    "sunflower-nanan": ("sunflower-kg", "南岸园区 Nan'an campus", SiteProfile()),
    "hotline-jiangbei": ("hotline-cc", "江北坐席 Jiangbei seats", SiteProfile()),
    "county-hall": ("county-power", "营业厅 service hall", SiteProfile()),
    "acme-newark": ("acme-us", "Newark plant", SiteProfile(subdivision="NJ", country="US")),
}
# Where each scenario happens: a site, or an organisation (an incident of all of it).
PLACES = {
    "fire": "penghu-estate",
    "elevator": "penghu-estate",
    "gas_leak": "penghu-tower",
    "app_outage": "hotline-jiangbei",
    "call_surge": "hotline-jiangbei",
    "food_poisoning": "sunflower-nanan",
    "grid_outage": "county-power",
    "robbery": "county-hall",
    "illness": "county-hall",
    "dora": "rheinbank-ffm",
}


def profile_events(source: str) -> list[Envelope]:
    """Every demo organisation's registration, then its sites'."""
    found = [
        builders.register_organisation(organisation_id=org, name=name, profile=profile,
                                       source=source, actor=REGISTRAR)
        for org, (name, profile) in ORGANISATIONS.items()
    ]  # fmt: skip
    return found + [
        builders.register_site(organisation_id=org, site_id=site, name=name, profile=profile,
                               source=source, actor=REGISTRAR)
        for site, (org, name, profile) in SITES.items()
    ]  # fmt: skip


def placed(envelope: Envelope, place: str) -> Envelope:
    """``envelope`` with its report naming ``place`` (a site or organisation id) as its
    ``site.location_code``; any other event unchanged."""
    payload = envelope.payload
    if not isinstance(payload, IncidentReported):
        return envelope
    site = msgspec.structs.replace(payload.site, location_code=place)
    return msgspec.structs.replace(envelope, payload=msgspec.structs.replace(payload, site=site))
