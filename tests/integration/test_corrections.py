"""Corrections take effect: an incident's title, site and claim figures corrected through the
ledger change its status, the loss run and its report, while ``as_of`` before them shows what
was recorded; an invalid correction is flagged; folding in steps equals a rebuild."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts import builders
from contracts.envelope import Envelope
from contracts.levels import Basis, LossCategory
from projector.follow import runner
from projector.views.summaries import money
from tests.integration.api_story import AGENT, SOURCE, Story, _config, claim, outage
from tests.integration.test_projector import snapshot

pytestmark = pytest.mark.integration

NEW_SITE = {"name": "营业厅 service hall 2F", "unit": "12/13", "location_code": "SH-02"}


def fix(incident: str, target: UUID, **corrected: Any) -> Envelope:
    return builders.correct_event(corrects_event_id=target, corrected=corrected,
                                  reason="misread the call sheet", incident_id=incident,
                                  source=SOURCE, actor=AGENT)  # fmt: skip


async def _recorded(told: Story, incident: str) -> tuple[Envelope, Envelope, str]:
    """An outage and its claim, recorded and projected; the instant after them."""
    report, opened = outage(incident, minutes_ago=30), claim(incident, reserve=50_000)
    await told.append(report, opened)
    await told.project()
    return report, opened, (await told.recorded_at(incident)).isoformat()


async def _row(told: Story, incident: str, **params: str) -> dict[str, Any]:
    run = (await told.get("/v1/losses", **params)).json()
    return next(r for r in run["rows"] if r["incident_id"] == incident)


async def test_corrections_change_the_status_the_loss_run_and_the_report(told: Story) -> None:
    """Given an outage and its claim, when its title, its site and the claim's reserve are
    corrected, then the incident, the loss run and the report show the new values, each
    with the original one field away; as of before the corrections, the originals show."""
    report, opened, then = await _recorded(told, "FIX-7")
    lost = builders.record_loss(loss_id="L-1", category=LossCategory.EQUIPMENT,
                                amount_minor=125_000,
                                currency="CNY", basis=Basis.ESTIMATE, incident_id="FIX-7",
                                source=SOURCE, actor=AGENT)  # fmt: skip
    await told.append(lost)
    await told.append(
        fix("FIX-7", report.event_id, title="叫号机故障 ticket machine fault", site=NEW_SITE),
        fix("FIX-7", opened.event_id, reserve_minor=65_000),
        fix("FIX-7", lost.event_id, amount_minor=150_000),
    )
    await told.project()
    incident = (await told.get("/v1/incidents/FIX-7")).json()["incident"]
    assert (incident["title"], incident["location_code"]) == (
        "叫号机故障 ticket machine fault", "SH-02")  # fmt: skip
    title = next(a for a in incident["corrected"] if a["field"] == "title")
    assert title["original"] == "排队系统宕机 queue system down"
    assert title["corrected_by"] == incident["last_position"] - 2
    assert incident["loss_totals"] == {"CNY": 150_000}
    assert (await _row(told, "FIX-7"))["reserve_minor"] == 65_000
    assert (await _row(told, "FIX-7", as_of=then))["reserve_minor"] == 50_000
    printed = (await told.get("/v1/incidents/FIX-7/report")).json()
    assert printed["type"]["title"] == "叫号机故障 ticket machine fault"
    assert printed["site"]["unit"] == "12/13"
    assert printed["impact"]["loss_lines"][0]["amount"] == money(150_000, "CNY")
    assert {a["field"] for a in printed["corrected"]} == {
        "title", "site", "reserve_minor", "amount_minor"}  # fmt: skip
    earlier = (await told.get("/v1/incidents/FIX-7/timeline", as_of=then)).json()["status"]
    assert (earlier["title"], earlier["location_code"], earlier["corrected"]) == (
        "排队系统宕机 queue system down", "SH-01", [])  # fmt: skip


async def test_an_invalid_correction_is_flagged_and_changes_nothing(told: Story) -> None:
    """Given an outage, when a correction names an unknown event and another gives the
    claim's reserve as text, then both are listed as ignored, with their reasons, and the
    title and the reserve stay as recorded."""
    _, opened, _ = await _recorded(told, "FIX-8")
    await told.append(
        fix("FIX-8", uuid4(), title="wrong"),
        fix("FIX-8", opened.event_id, reserve_minor="fifty thousand"),
    )
    await told.project()
    incident = (await told.get("/v1/incidents/FIX-8")).json()["incident"]
    reasons = [i["reason"] for i in incident["ignored_corrections"]]
    assert reasons[0].startswith("unknown event")
    assert reasons[1].startswith("does not validate as claim.opened.v1")
    assert "reserve_minor" in reasons[1]
    assert (incident["title"], incident["corrected"]) == ("排队系统宕机 queue system down", [])
    assert (await _row(told, "FIX-8"))["reserve_minor"] == 50_000


async def test_corrections_folded_event_by_event_equal_a_rebuild(told: Story) -> None:
    """Given corrections arriving after the events they correct, when the projector folds
    one event per step (its cache holding the incident), then the read models equal those
    of a rebuild from the first position."""
    report, opened = outage("FIX-9", minutes_ago=30), claim("FIX-9", reserve=50_000)
    await told.append(report, opened)
    await told.append(fix("FIX-9", report.event_id, site=NEW_SITE),
                      fix("FIX-9", opened.event_id, reserve_minor=70_000),
                      fix("FIX-9", report.event_id, title="叫号机故障"))  # fmt: skip
    config = _config()
    async with told.pool.acquire() as conn:
        generation = await runner.prepare(conn, config)
        cache = runner.FoldCache()
        while await runner.step(conn, generation, config, 1, cache):
            pass
        stepped = await snapshot(conn)
        await runner.rebuild(conn, config)
        assert await snapshot(conn) == stepped
    incident = (await told.get("/v1/incidents/FIX-9")).json()["incident"]
    assert (incident["title"], incident["site_name"]) == ("叫号机故障", NEW_SITE["name"])
