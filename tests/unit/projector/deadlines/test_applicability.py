"""Which packs an incident's profile brings: every shipped pack, for a subject
organisation and for one subject to everything else; unregistered incidents get none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from contracts import builders
from projector.domain.deadlines import Context, pack_applies
from projector.domain.profiles import Basis
from tests.unit.projector.deadlines.story import PACKS, Story, at
from tests.unit.projector.registrar import Registrar

pytestmark = pytest.mark.unit

T0 = at("2026-03-02 10:00")
NOW = T0 + timedelta(days=1)


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def reported(kind: str = "fire") -> Story:
    return Story().reported(T0, kind=kind)


def classified(
    *regimes: str,
    kind: str = "fire",
    severity: str = "sev3",
    level: str | None = None,
    **times: datetime,
) -> Story:
    story = reported(kind)
    return story.classified(
        minutes(5), severity, regimes=regimes, aware_at=T0, level=level, **times
    )


def insured_loss() -> Story:
    return reported("robbery").then(
        builders.record_loss, minutes(10), loss_id="cash-1", category="cash",
        amount_minor=100, currency="EUR", basis="estimate", insured=True, policy_ref="P-1",
    )  # fmt: skip


def casualty(severity: str) -> Story:
    return reported().then(builders.record_casualty, minutes(10), count=1, severity=severity)


def plan_level(kind: str, level: str) -> Story:
    return reported(kind).then(builders.activate_plan, minutes(2), plan_id="p", level=level)


TRIGGERS: dict[str, Callable[[], Story]] = {
    "call_centre": lambda: reported("system_outage"),
    "cn_cyber": lambda: classified("cn_cyber", kind="cyber_incident", severity="sev2"),
    "cn_public_health": lambda: classified("cn_public_health"),
    "cn_work_safety": lambda: classified("cn_work_safety"),
    "dora": lambda: classified(
        "dora", kind="cyber_incident", severity="sev2", level="major", classified_major_at=T0
    ),
    "gdpr": lambda: classified("gdpr", kind="data_breach"),
    "hipaa": lambda: classified(kind="data_breach"),
    "insurer": insured_loss,
    "kindergarten": reported,
    "nis2": lambda: classified("nis2", kind="cyber_incident"),
    "osha": lambda: casualty("fatal"),
    "power_95598": lambda: plan_level("power_outage", "general"),
    "property": reported,
    "sec": lambda: classified(kind="cyber_incident", materiality_determined_at=T0),
    "service_hall": reported,
}
"""For each shipped pack, an incident that triggers at least one of its rules."""


def subject(pack_id: str) -> Basis:
    """The basis of an organisation the pack concerns: subject to it, or its plan."""
    pack = PACKS[pack_id]
    if pack.subject:
        return Registrar().organisation("org", subject_to=(pack_id,)).basis("org")
    return Registrar().organisation("org", plans=(pack_id,)).basis("org")


def everything_but(pack_id: str) -> Basis:
    """The basis of an organisation subject to every other regime and plan."""
    others = [p for p in PACKS.values() if p.id != pack_id]
    regimes = tuple(p.id for p in others if p.subject)
    plans = tuple(p.id for p in others if p.plan)
    return Registrar().organisation("org", subject_to=regimes, plans=plans).basis("org")


def pack_refs(story: Story, basis: Basis) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for ref in story.obligations(*PACKS, now=NOW, context=basis.context):
        found.setdefault(ref.split("/")[0], set()).add(ref)
    return found


def test_every_shipped_pack_has_a_triggering_story() -> None:
    assert set(TRIGGERS) == set(PACKS)


@pytest.mark.parametrize("pack_id", sorted(TRIGGERS))
def test_given_a_subject_organisation_then_its_incident_gets_the_packs_obligations(
    pack_id: str,
) -> None:
    story = TRIGGERS[pack_id]()
    assert pack_refs(story, subject(pack_id)).get(pack_id)


@pytest.mark.parametrize("pack_id", sorted(TRIGGERS))
def test_given_an_organisation_subject_to_everything_else_then_none_of_the_packs(
    pack_id: str,
) -> None:
    story = TRIGGERS[pack_id]()
    assert pack_id not in pack_refs(story, everything_but(pack_id))


@pytest.mark.parametrize("pack_id", sorted(TRIGGERS))
def test_given_an_unregistered_site_then_no_pack_applies(pack_id: str) -> None:
    basis = Registrar().organisation("org", subject_to=("dora",)).basis("elsewhere")
    assert basis.issue == "unregistered_site"
    assert pack_refs(TRIGGERS[pack_id](), basis) == {}


def test_given_a_hand_built_context_then_every_pack_applies_but_unclassifiable_regimes() -> None:
    applying = {pack.id for pack in PACKS.values() if pack_applies(pack, Context())[0]}
    assert applying == set(PACKS) - {"sec", "osha", "hipaa"}
    stated = Context(subject_to=("sec",))
    assert pack_applies(PACKS["sec"], stated) == (True, "subject to sec")
