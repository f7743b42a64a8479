"""The profile registry: who is subject to what, at each log position."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor
from contracts.events import Site
from projector.domain import profiles
from projector.domain.deadlines import fold
from projector.domain.facts import Fact
from tests.unit.projector.registrar import Registrar

pytestmark = pytest.mark.unit


def bank() -> Registrar:
    return Registrar().organisation(
        "bank", entity_type="credit_institution", subject_to=("dora", "gdpr"), plans=()
    )


def test_given_an_organisation_then_its_incidents_are_judged_by_its_profile() -> None:
    basis = bank().basis("bank")
    assert (basis.organisation_id, basis.site_id, basis.issue) == ("bank", None, None)
    assert basis.position == 1
    assert basis.context.subject_to == ("dora", "gdpr")
    assert basis.context.entity_type == "credit_institution"
    assert basis.context.restricted
    assert basis.facts["subject_to"] == "dora, gdpr"


def test_given_a_site_then_what_it_states_overrides_its_organisation() -> None:
    registrar = bank().site(
        "bank", "munich", timezone="Europe/Berlin", subdivision="BY", country="DE",
        plans=("call_centre",), params={"insurer.notice": "48h"},
    )  # fmt: skip
    basis = registrar.basis("munich")
    assert (basis.organisation_id, basis.site_id, basis.position) == ("bank", "munich", 2)
    assert basis.context.subdivision == "BY"
    assert basis.context.plans == ("call_centre",)
    assert basis.context.subject_to == ("dora", "gdpr")  # not stated: the organisation's
    assert basis.context.params == {"insurer.notice": "48h"}
    assert basis.context.entity_type == "credit_institution"


def test_given_an_update_then_it_replaces_the_whole_profile_from_its_position() -> None:
    registrar = bank().organisation("bank", updated=True, subject_to=("nis2",))
    assert registrar.basis("bank").context.subject_to == ("nis2",)
    assert registrar.basis("bank").context.entity_type == "other"  # left out: the default
    before_update = profiles.basis_at(registrar.registry, "bank", 2)
    assert before_update.context.subject_to == ("dora", "gdpr")
    assert before_update.position == 1


def test_given_a_site_update_then_a_field_it_no_longer_states_returns_to_the_organisation() -> None:
    registrar = bank().site("bank", "hq", subject_to=("sec",)).site("bank", "hq", updated=True)
    assert registrar.basis("hq").context.subject_to == ("dora", "gdpr")
    assert profiles.basis_at(registrar.registry, "hq", 3).context.subject_to == ("sec",)


def test_given_a_site_id_another_organisation_registered_first_then_it_is_ignored() -> None:
    registrar = bank().organisation("estates", plans=("property",)).site("bank", "tower")
    registrar.site("estates", "tower", plans=("property",))
    basis = registrar.basis("tower")
    assert (basis.organisation_id, basis.context.plans) == ("bank", ())
    assert registrar.registry.refused == (
        profiles.Refusal(position=4, organisation_id="estates", site_id="tower", owner="bank"),
    )


def test_given_no_profile_then_the_incident_is_unregistered_and_no_pack_applies() -> None:
    registrar = bank().site("bank", "later")
    for code in (None, "", "nowhere"):
        basis = registrar.basis(code)
        assert (basis.issue, basis.organisation_id, basis.position) == (
            profiles.UNREGISTERED_SITE, None, None,
        )  # fmt: skip
        assert basis.context.restricted
        assert (basis.context.subject_to, basis.context.plans) == ((), ())
    assert profiles.basis_at(registrar.registry, "later", 2).issue == profiles.UNREGISTERED_SITE


def test_given_a_site_of_an_organisation_not_yet_registered_then_unregistered() -> None:
    registrar = Registrar().site("ghost", "s1").organisation("ghost")
    assert profiles.basis_at(registrar.registry, "s1", 2).issue == profiles.UNREGISTERED_SITE
    assert registrar.basis("s1").organisation_id == "ghost"


def test_given_an_incident_then_its_basis_is_the_profile_before_its_report() -> None:
    registrar = bank().site("bank", "munich", plans=("call_centre",))
    envelope = builders.report_incident(
        incident_id="INC-1", source="desk", actor=Actor(id="a"), kind=IncidentKind.FIRE, title="t",
        site=Site(name="Munich", location_code="munich"), channel=ReportChannel.PHONE,
    )  # fmt: skip
    when = datetime(2026, 2, 1, tzinfo=UTC)
    state = fold([Fact(3, 1, when, envelope)])
    assert profiles.place_of(state) == ("munich", 3)
    basis = profiles.incident_basis(registrar.registry, state)
    assert (basis.site_id, basis.context.plans) == ("munich", ("call_centre",))


def test_given_events_of_incidents_then_the_registry_is_unchanged() -> None:
    registry = bank().registry
    envelope = builders.add_note(incident_id="INC-1", source="desk", actor=Actor(id="a"), text="x")
    fact = Fact(9, 1, datetime(2026, 2, 1, tzinfo=UTC), envelope)
    assert profiles.evolve(registry, fact) is registry
    assert profiles.is_profile_stream("_org-bank")
