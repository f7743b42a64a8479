"""Publishers bound to organisations: an organisation's profile may name the publishing
systems that speak for it; an incident another system reports at its sites is not placed
there (``foreign_source``) and gets no obligations, as an unregistered site gets none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor
from contracts.events import Site
from contracts.events.profile import OrganisationProfile
from projector.domain import profiles
from projector.domain.deadlines.loader import load_packs
from projector.domain.effective_profile import speaks_for
from projector.domain.facts import Fact
from projector.domain.models import Config, Models, project
from tests.unit.projector.registrar import Registrar

pytestmark = pytest.mark.unit

PACKS = Path(__file__).resolve().parents[3] / "services" / "projector" / "packs"
CONFIG = Config(packs=load_packs(PACKS))
REPORTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def estates(sources: tuple[str, ...] = ()) -> Registrar:
    registrar = Registrar().organisation(
        "estates", country="CN", timezone="Asia/Shanghai", plans=("property",), sources=sources
    )
    return registrar.site("estates", "tower")


def reported_by(registrar: Registrar, source: str) -> Models:
    """A fire reported at the estates' tower by ``source``, after every profile event."""
    envelope = builders.report_incident(
        incident_id="INC-1", source=source, actor=Actor(id="a"), kind=IncidentKind.FIRE,
        title="fire", site=Site(name="Tower", location_code="tower"), channel=ReportChannel.PHONE,
        occurred_at=REPORTED,
    )  # fmt: skip
    fact = Fact(registrar.next_position, 1, REPORTED, envelope)
    later = REPORTED + timedelta(minutes=1)
    return project([fact], now=later, config=CONFIG, registry=registrar.registry)


def test_given_a_profile_naming_no_source_then_any_system_speaks_for_it() -> None:
    profile = OrganisationProfile(country="DE", timezone="Europe/Berlin")
    assert speaks_for(profile, "desk")
    assert speaks_for(profile, "cad")


def test_given_named_sources_then_only_those_speak_for_it() -> None:
    profile = OrganisationProfile(country="DE", timezone="Europe/Berlin", sources=("cad",))
    assert speaks_for(profile, "cad")
    assert not speaks_for(profile, "desk")
    assert not speaks_for(profile, None)


def test_given_named_sources_when_one_of_them_reports_then_the_incident_is_placed() -> None:
    found = reported_by(estates(sources=("cad", "app")), "cad")
    assert (found.status.organisation_id, found.status.site_id) == ("estates", "tower")
    assert found.status.site_issue is None
    assert {o.pack_id for o in found.obligations} == {"property"}


def test_given_named_sources_when_another_reports_then_flagged_foreign_without_obligations() -> (
    None
):
    found = reported_by(estates(sources=("cad",)), "desk")
    assert found.status.site_issue == profiles.FOREIGN_SOURCE
    assert (found.status.organisation_id, found.status.site_id) == (None, None)
    assert found.obligations == []
    assert (found.status.open_deadlines, found.status.missed_deadlines) == (0, 0)


def test_given_sources_named_after_the_report_then_the_incident_keeps_its_place() -> None:
    registrar = estates()
    placed = reported_by(registrar, "desk")
    registrar.organisation("estates", updated=True, country="CN", timezone="Asia/Shanghai",
                           plans=("property",), sources=("cad",))  # fmt: skip
    assert placed.status.site_id == "tower"
    assert reported_by(registrar, "desk").status.site_issue == profiles.FOREIGN_SOURCE


def test_given_named_sources_then_the_explanation_lists_them() -> None:
    found = reported_by(estates(sources=("cad", "app")), "app")
    assert {o.basis["sources"] for o in found.obligations} == {"cad, app"}
