"""Times as a reader of the console sees them: in the incident's site's time zone (from
its organisation's and site's profiles), with UTC beside them for the hover."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import msgspec
from markupsafe import Markup

from projector.domain.effective_profile import effective
from projector.domain.profiles import Registry


def zone_of(registry: Registry, organisation_id: str | None, site_id: str | None) -> tzinfo:
    """The zone the incident's place keeps (its profile now); UTC when it has none."""
    versions = registry.organisations.get(organisation_id or "", ())
    if not versions:
        return UTC
    sites = registry.sites.get(site_id or "", ())
    profile = effective(versions[-1].profile, sites[-1].profile if sites else None)
    return ZoneInfo(profile.timezone) if profile.timezone else UTC


class Moment(msgspec.Struct, frozen=True):
    """An instant to show: ``local`` in the site's zone, ``utc`` for the hover and the
    ``datetime`` attribute."""

    local: str
    utc: str
    iso: str

    def __html__(self) -> str:
        """As a page shows it: a ``<time>`` element, UTC on hover."""
        return Markup('<time datetime="{}" title="{}">{}</time>').format(
            self.iso, self.utc, self.local
        )


def moment(value: datetime | str | None, zone: tzinfo) -> Moment | None:
    if value is None:
        return None
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    here = instant.astimezone(zone)
    return Moment(
        local=here.strftime("%Y-%m-%d %H:%M:%S ") + (here.tzname() or ""),
        utc=instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        iso=instant.astimezone(UTC).isoformat(),
    )
