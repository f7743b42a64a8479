"""An incident's profile changes: its organisation's and site's profile events after its
basis, up to the position read; its obligations keep the basis, packs judged on the latest
profile follow the change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor
from contracts.events import Site
from projector.domain import profile_changes, profiles
from projector.domain.deadlines import parse_pack
from projector.domain.facts import Fact
from tests.unit.projector.registrar import Registrar

pytestmark = pytest.mark.unit

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATEST = parse_pack(
    """
id = "watch"
version = "1"
title = "judged on the latest profile"
subject = "gdpr"
basis = "latest"

[[rule]]
id = "review"
stage = "initial"
title = "Review within 72 hours"
start = { event = "incident.reported.v1" }
within = "72h"
satisfied_by = { event = "note.added.v1" }
""",
    "watch.toml",
)


def report_at(position: int, place: str, source: str = "desk") -> list[Fact]:
    envelope = builders.report_incident(
        incident_id="INC-1", source=source, actor=Actor(id="a"), kind=IncidentKind.FIRE, title="t",
        site=Site(name=place, location_code=place), channel=ReportChannel.PHONE, occurred_at=WHEN,
    )  # fmt: skip
    return [Fact(position, 1, WHEN, envelope)]


def bank() -> Registrar:
    return (
        Registrar()
        .organisation("bank", subject_to=("dora",))
        .site("bank", "hq")
        .site("bank", "branch")
    )


def test_given_changes_after_the_report_then_each_of_its_organisation_and_site_is_listed() -> None:
    registrar = bank()
    facts = report_at(registrar.next_position, "hq")  # position 4
    registrar.facts.append(facts[0])
    registrar.organisation("bank", updated=True, subject_to=("dora", "gdpr"))  # 5
    registrar.site("bank", "branch", updated=True)  # 6: another site's
    registrar.site("bank", "hq", updated=True, timezone="Europe/Paris")  # 7
    found = profile_changes.of_incident(registrar.registry, facts, read=7, packs=[LATEST])
    assert [(c.position, c.type) for c in found] == [
        (5, "organisation.updated.v1"),
        (7, "site.updated.v1"),
    ]
    assert {(c.organisation_id, c.site_id, c.basis_position) for c in found} == {("bank", "hq", 2)}
    assert {c.followed_by for c in found} == {("watch",)}
    assert profile_changes.changed_at(found) == 7


def test_given_a_cut_before_a_change_then_it_is_not_listed() -> None:
    registrar = bank()
    facts = report_at(registrar.next_position, "hq")
    registrar.facts.append(facts[0])
    registrar.organisation("bank", updated=True)  # 5
    assert profile_changes.of_incident(registrar.registry, facts, read=4) == []
    assert profile_changes.changed_at([]) is None


def test_given_the_profile_events_before_the_report_then_they_are_its_basis_not_changes() -> None:
    registrar = bank().organisation("bank", updated=True)  # 4
    facts = report_at(registrar.next_position, "hq")
    found = profile_changes.of_incident(registrar.registry, facts, read=facts[0].position)
    assert found == []


def test_given_an_incident_placed_nowhere_then_no_change_is_its() -> None:
    # an unregistered site, and a site whose organisation names only `cad` as its source
    registrar = bank().organisation("bank", updated=True, sources=("cad",))  # 4
    for place in ("nowhere", "hq"):
        facts = report_at(registrar.next_position, place, source="desk")
        registrar.facts.append(facts[0])
        registrar.organisation("bank", updated=True, sources=("cad",))
        basis = profiles.basis_at(registrar.registry, place, facts[0].position, "desk")
        assert basis.issue in (profiles.UNREGISTERED_SITE, profiles.FOREIGN_SOURCE)
        assert profile_changes.of_incident(registrar.registry, facts, read=99) == []
