"""Each simulator scenario yields the deadline outcomes its plan implies: the deliberately
late steps are missed or met_late, the rest met (or, when not yet due, pending)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from contracts import scenarios
from projector.domain.deadlines import Context, Obligation, evaluate
from projector.domain.facts import Fact
from tests.unit.projector.deadlines.story import PACKS

pytestmark = pytest.mark.unit

SH = ZoneInfo("Asia/Shanghai")
CN = Context(country="CN", timezone="Asia/Shanghai")
EU = Context(entity_type="payment_institution", country="DE", timezone="Europe/Berlin")
PROPERTY = ("property", "cn_work_safety", "insurer")
HALL = ("service_hall", "insurer")
FRIDAY_9 = datetime(2026, 11, 20, 9, 0, tzinfo=SH)

CASES: dict[str, tuple[tuple[str, ...], Context, dict[str, str]]] = {
    "fire": (PROPERTY, CN, {"property/superior": "met", "property/on_site": "met"}),
    "elevator": (
        PROPERTY,
        CN,
        {
            "property/superior": "met",
            "property/on_site": "met",
            "property/elevator_rescue_urban": "met_late",
        },
    ),
    "gas_leak": (PROPERTY, CN, {"property/superior": "met", "property/on_site": "met"}),
    "app_outage": (
        ("call_centre",),
        CN,
        {
            "call_centre/team_lead": "met",
            "call_centre/supervisor": "met_late",
            "call_centre/operations_manager": "met",
            "call_centre/vendor": "met",
        },
    ),
    "call_surge": (
        ("call_centre",),
        CN,
        {"call_centre/surge_tier_2": "met", "call_centre/surge_tier_3": "met"},
    ),
    "food_poisoning": (
        ("kindergarten", "cn_public_health"),
        CN,
        {"kindergarten/office_report": "met_late", "cn_public_health/county_health": "met_late"},
    ),
    "grid_outage": (
        ("power_95598",),
        CN,
        {
            "power_95598/general_report": "met",
            "power_95598/general_staffing": "met",
            "power_95598/major_staffing": "met",
            "power_95598/major_report": "met",
            "power_95598/flash": "met",
            "power_95598/verified": "pending",
        },
    ),
    "robbery": (
        HALL,
        CN,
        {
            "service_hall/leadership": "met",
            "service_hall/post_incident_review": "met",
            "insurer/notice": "met",
        },
    ),
    "illness": (
        HALL,
        CN,
        {"service_hall/leadership": "met", "service_hall/post_incident_review": "pending"},
    ),
    "dora": (
        ("dora", "gdpr", "nis2", "sec", "cn_cyber"),
        EU,
        {"dora/initial": "met", "dora/intermediate": "met", "dora/final": "met"},
    ),
}


def run(name: str, packs: tuple[str, ...], context: Context) -> dict[str, Obligation]:
    start = datetime(2026, 11, 20, 16, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    if name != "dora":
        start = FRIDAY_9
    events = scenarios.generate(name, start=start)
    facts = [Fact(i, i, e.occurred_at, e) for i, e in enumerate(events, start=1)]
    now = max(e.occurred_at for e in events)
    found = evaluate([PACKS[p] for p in packs], facts, now=now, context=context)
    return {o.ref: o for o in found}


@pytest.mark.parametrize("name", sorted(CASES))
def test_given_a_scenario_when_its_log_is_evaluated_then_outcomes_match_its_plan(
    name: str,
) -> None:
    packs, context, expected = CASES[name]
    found = run(name, packs, context)
    assert {ref: o.state for ref, o in found.items()} == expected


def test_every_scenario_is_covered() -> None:
    assert set(CASES) == set(scenarios.scenario_names())


def test_given_all_packs_and_every_scenario_then_evaluation_never_fails() -> None:
    for name in scenarios.scenario_names():
        assert isinstance(run(name, tuple(PACKS), CN), dict)
