"""Checks of a profile event beyond its types: the names it gives must exist (an IANA time
zone, a country with a holiday calendar and a subdivision of it), and it must travel in its
organisation's stream, which no other event may use. Run on every published event
(:func:`contracts.codec.decode_envelope`); stored events are not re-checked, so a time zone
later withdrawn from the zone database never makes the log unreadable.
"""

from __future__ import annotations

import functools
import zoneinfo

import holidays

from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.events.profile import (
    PROFILE_TYPES,
    OrganisationProfile,
    OrganisationRegistered,
    OrganisationUpdated,
    SiteProfile,
    SiteRegistered,
    SiteUpdated,
)

STREAM_PREFIX = "_org-"
"""An organisation's profile stream is ``_org-<organisation_id>``; no incident may use it."""

_TAGS = frozenset(cls.TYPE for cls in PROFILE_TYPES)
_Profiled = OrganisationRegistered | OrganisationUpdated | SiteRegistered | SiteUpdated


def stream_of(organisation_id: str) -> str:
    """The ``incident_id`` an organisation's profile events travel under."""
    return STREAM_PREFIX + organisation_id


def is_profile_stream(incident_id: str) -> bool:
    return incident_id.startswith(STREAM_PREFIX)


def is_profile_type(tag: str) -> bool:
    return tag in _TAGS


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def _countries() -> dict[str, frozenset[str]]:
    supported = holidays.list_supported_countries()
    return {code: frozenset(subs) for code, subs in supported.items()}


def _refuse(message: str, path: str) -> ContractError:
    return ContractError("schema_violation", message, path)


def check_place(profile: OrganisationProfile | SiteProfile, path: str) -> None:
    """The time zone, country and subdivision ``profile`` names exist; a subdivision is
    named together with its country."""
    if profile.timezone is not None and profile.timezone not in _zones():
        raise _refuse(f"unknown time zone {profile.timezone!r}", f"{path}.timezone")
    if profile.country is not None and profile.country not in _countries():
        raise _refuse(f"no holiday calendar for country {profile.country!r}", f"{path}.country")
    if profile.subdivision is None:
        return
    if profile.country is None:
        raise _refuse("a subdivision is named with its country", f"{path}.country")
    if profile.subdivision not in _countries()[profile.country]:
        raise _refuse(
            f"{profile.subdivision!r} is not a subdivision of {profile.country}",
            f"{path}.subdivision",
        )


def check(envelope: Envelope) -> None:
    """Raise ``ContractError`` (``schema_violation``, naming the field) if ``envelope``
    breaks a profile rule; every other event passes unless it uses a profile stream."""
    payload = envelope.payload
    if not isinstance(payload, _Profiled):
        if is_profile_stream(envelope.incident_id):
            raise _refuse(
                f"incident ids starting {STREAM_PREFIX!r} are reserved for profile events",
                "$.incident_id",
            )
        return
    if envelope.incident_id != stream_of(payload.organisation_id):
        raise _refuse(
            f"{envelope.type} travels in stream {stream_of(payload.organisation_id)!r}",
            "$.incident_id",
        )
    check_place(payload.profile, "$.payload.profile")
