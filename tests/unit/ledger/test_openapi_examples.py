"""The OpenAPI document's example obligations are the shipped packs' own: a pack's new
version, a rule's new title, stage, time limit or lead shows here as a failing test."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from ledger_api import examples
from projector.domain.deadlines.instances import lead_of
from projector.domain.deadlines.loader import load_packs

SHIPPED = Path(__file__).resolve().parents[3] / "services" / "projector" / "packs"
PACKS = {pack.id: pack for pack in load_packs(SHIPPED)}


def _object(value: object) -> dict[str, Any]:
    """An example's JSON object, checked to be one (the examples are untyped literals)."""
    return msgspec.convert(value, dict[str, Any])


def _objects(value: object) -> list[dict[str, Any]]:
    """An example's JSON array of objects, checked to be one."""
    return msgspec.convert(value, list[dict[str, Any]])


SHOWN = [*_objects(examples.BOARD["items"]), *_objects(examples.TIMELINE["deadlines"])]


@pytest.mark.parametrize("shown", SHOWN, ids=lambda d: d["ref"])
def test_given_an_example_obligation_then_its_pack_rule_and_times_are_the_shipped_ones(
    shown: dict[str, Any],
) -> None:
    pack = PACKS[shown["pack_id"]]
    rule = next(r for r in pack.rules if r.id == shown["rule"])
    assert (shown["pack_version"], shown["stage"], shown["title"]) == (
        pack.version, rule.stage, rule.title,
    )  # fmt: skip
    assert shown["ref"] == f"{pack.id}/{rule.id}"
    assert rule.within is not None
    raw = datetime.fromisoformat(shown["raw_due_at"]) - datetime.fromisoformat(shown["anchor_at"])
    assert raw == lead_of(rule.within)
    lead = lead_of(rule.lead or pack.default_lead)
    assert shown["lead_seconds"] == lead.total_seconds()
    assert shown["lead_time"] == f"PT{lead // timedelta(minutes=1)}M"


def test_given_the_example_timeline_then_its_status_counts_its_obligations() -> None:
    status = _object(examples.TIMELINE["status"])
    shown = _objects(examples.TIMELINE["deadlines"])
    assert status["open_deadlines"] == sum(d["state"] in ("pending", "due_soon") for d in shown)
    assert _object(examples.INCIDENT["deadlines"])["by_state"] == {"met": len(shown)}
    assert status["first_arrival_at"] <= shown[0]["due_at"]
