"""Builders for organisations' and sites' profile events, in the organisation's stream."""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, Required, TypedDict, Unpack
from uuid import UUID

from contracts import profile_rules
from contracts.builders.base import build
from contracts.envelope import Actor, Envelope
from contracts.events.profile import (
    OrganisationProfile,
    OrganisationRegistered,
    OrganisationUpdated,
    SiteProfile,
    SiteRegistered,
    SiteUpdated,
)


class ProfileArgs(TypedDict, total=False):
    """The envelope fields a profile builder takes: the stream follows from the
    organisation, so there is no ``incident_id``."""

    source: Required[str]
    actor: Required[Actor]
    occurred_at: NotRequired[datetime | None]
    event_id: NotRequired[UUID | None]
    expected_version: NotRequired[int | None]


def _built(
    payload: OrganisationRegistered | OrganisationUpdated | SiteRegistered | SiteUpdated,
    args: ProfileArgs,
) -> Envelope:
    envelope = build(payload, incident_id=profile_rules.stream_of(payload.organisation_id), **args)
    profile_rules.check(envelope)
    return envelope


def register_organisation(
    *,
    organisation_id: str,
    name: str,
    profile: OrganisationProfile,
    note: str = "",
    **env: Unpack[ProfileArgs],
) -> Envelope:
    """``organisation.registered.v1``."""
    payload = OrganisationRegistered(
        organisation_id=organisation_id, name=name, profile=profile, note=note
    )
    return _built(payload, env)


def update_organisation(
    *,
    organisation_id: str,
    name: str,
    profile: OrganisationProfile,
    note: str = "",
    **env: Unpack[ProfileArgs],
) -> Envelope:
    """``organisation.updated.v1``: the whole profile, restated."""
    payload = OrganisationUpdated(
        organisation_id=organisation_id, name=name, profile=profile, note=note
    )
    return _built(payload, env)


def register_site(
    *,
    organisation_id: str,
    site_id: str,
    name: str,
    profile: SiteProfile | None = None,
    note: str = "",
    **env: Unpack[ProfileArgs],
) -> Envelope:
    """``site.registered.v1``."""
    payload = SiteRegistered(
        organisation_id=organisation_id,
        site_id=site_id,
        name=name,
        profile=profile or SiteProfile(),
        note=note,
    )
    return _built(payload, env)


def update_site(
    *,
    organisation_id: str,
    site_id: str,
    name: str,
    profile: SiteProfile | None = None,
    note: str = "",
    **env: Unpack[ProfileArgs],
) -> Envelope:
    """``site.updated.v1``: the site's whole set of overrides, restated."""
    payload = SiteUpdated(
        organisation_id=organisation_id,
        site_id=site_id,
        name=name,
        profile=profile or SiteProfile(),
        note=note,
    )
    return _built(payload, env)
