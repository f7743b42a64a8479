"""Every rule considered for an incident, and why it applied or not; packs judged with the
latest profile."""

from __future__ import annotations

import msgspec
import pytest

from projector.domain.deadlines import Considered, Pack, considered, fold, obligations
from tests.unit.projector.deadlines.story import PACKS, Story, at
from tests.unit.projector.registrar import Registrar

pytestmark = pytest.mark.unit

T0 = at("2026-03-02 10:00", "Europe/Berlin")


def why(found: list[Considered]) -> dict[str, tuple[bool, str]]:
    return {f"{c.pack_id}/{c.rule}": (c.applies, c.why) for c in found}


def test_given_a_bank_subject_to_dora_then_each_rule_says_why_it_applies_or_not() -> None:
    basis = Registrar().organisation("bank", subject_to=("dora",)).basis("bank")
    story = Story().reported(T0, kind="fire")
    packs = [PACKS["dora"], PACKS["kindergarten"], PACKS["sec"]]
    found = why(considered(fold(story.facts), packs, basis.context))
    assert found["kindergarten/office_report"] == (False, "plan kindergarten not adopted")
    assert found["sec/form_8k"] == (False, "not subject to sec")
    assert found["dora/initial"] == (
        False, "classified regimes [] not in [dora]; level major not reached",
    )  # fmt: skip


def test_given_a_major_dora_incident_then_its_rules_apply_because_the_bank_is_subject() -> None:
    basis = Registrar().organisation("bank", subject_to=("dora",)).basis("bank")
    story = Story().reported(T0, kind="cyber_incident")
    story.classified(T0, severity="sev2", level="major", regimes=("dora",), aware_at=T0)
    found = why(considered(fold(story.facts), [PACKS["dora"]], basis.context))
    assert found["dora/initial"] == (True, "subject to dora")


def test_given_a_rule_on_the_profile_then_the_profile_value_is_named() -> None:
    basis = Registrar().organisation("co", plans=("property",), site_class="other").basis("co")
    story = Story().reported(T0, kind="elevator_entrapment")
    found = why(considered(fold(story.facts), [PACKS["property"]], basis.context))
    assert found["property/elevator_rescue_urban"] == (
        False, "site_class [other] not in [urban]",
    )  # fmt: skip
    assert found["property/elevator_rescue_other"] == (True, "plan property adopted")
    lost = fold(Story().reported(T0, kind="lost_property").facts)
    on_site = why(considered(lost, [PACKS["property"]], basis.context))["property/on_site"]
    assert on_site[0] is False
    assert on_site[1].startswith("kind lost_property in the excluded [lost_property, ")


def test_given_a_pack_on_the_latest_basis_then_a_later_profile_change_brings_it() -> None:
    registrar = Registrar().organisation("kg")
    at_report = registrar.basis("kg")
    latest = registrar.organisation("kg", updated=True, plans=("kindergarten",)).basis("kg")
    state = fold(Story().reported(T0).facts)
    on_report = PACKS["kindergarten"]
    on_latest = msgspec.structs.replace(on_report, basis="latest")

    def refs(pack: Pack) -> list[str]:
        found = obligations(state, [pack], now=T0, context=at_report.context, latest=latest.context)
        return [o.ref for o in found]

    assert refs(on_report) == []
    assert refs(on_latest) == ["kindergarten/office_report"]
    assert why(considered(state, [on_latest], at_report.context, latest.context)) == {
        "kindergarten/office_report": (True, "plan kindergarten adopted")
    }
