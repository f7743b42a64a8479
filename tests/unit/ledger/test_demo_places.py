"""The demo registers its organisations and sites before any incident, and every demo
incident names one of them, so that no demo incident is unregistered."""

from __future__ import annotations

import pytest

from contracts.events import IncidentReported
from contracts.profile_rules import is_profile_stream
from incident_ledger import demo
from incident_ledger.demo_profiles import ORGANISATIONS, SITES

pytestmark = pytest.mark.unit


def test_profiles_come_first_and_every_report_names_a_registered_place() -> None:
    events = demo.events()
    profiles = [e for e in events if is_profile_stream(e.incident_id)]
    assert events[: len(profiles)] == profiles
    assert len(profiles) == len(ORGANISATIONS) + len(SITES)
    reports = [e.payload for e in events if isinstance(e.payload, IncidentReported)]
    assert reports
    for report in reports:
        assert report.site.location_code in SITES.keys() | ORGANISATIONS.keys()


def test_every_site_belongs_to_a_demo_organisation() -> None:
    assert {org for org, _, _ in SITES.values()} <= ORGANISATIONS.keys()
