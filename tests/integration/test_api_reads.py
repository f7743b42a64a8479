"""Auditors and clerks read the ledger through the API: incidents, timelines now and as
of a past instant, deadline boards and loss runs, each read in the access log."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest

from contracts import builders
from contracts.levels import Basis, LossCategory
from projector.views import lossrun
from projector.views.csv_text import read_back
from tests.integration.api_story import AGENT, SOURCE, Story, claim, outage

pytestmark = pytest.mark.integration


async def test_incidents_page_through_every_incident_once(told: Story) -> None:
    first = await told.get("/v1/incidents", limit=2)
    assert first.status_code == 200, first.text
    seen, page = [], first.json()
    while True:
        seen += [i["incident_id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        page = (await told.get("/v1/incidents", limit=2, cursor=page["next_cursor"])).json()
    assert len(seen) == len(set(seen)) == 5


async def test_incidents_filter_by_kind_text_and_missed_deadlines(told: Story) -> None:
    fires = (await told.get("/v1/incidents", kind="fire")).json()["items"]
    assert [i["kind"] for i in fires] == ["fire"]
    found = (await told.get("/v1/incidents", q=fires[0]["title"][:6])).json()["items"]
    assert fires[0]["incident_id"] in [i["incident_id"] for i in found]
    missed = (await told.get("/v1/incidents", has_missed_deadlines="true")).json()["items"]
    kept = (await told.get("/v1/incidents", has_missed_deadlines="false")).json()["items"]
    assert "system_outage" in {i["kind"] for i in missed}
    assert len(missed) + len(kept) == 5


async def test_bad_filters_are_400_naming_the_parameter(told: Story) -> None:
    for params, name in (
        ({"limit": 0}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
        (
            {"occurred_from": "2026-01-02T00:00:00Z", "occurred_to": "2026-01-01T00:00:00Z"},
            "occurred_to",
        ),
        ({"occurred_from": "yesterday"}, "occurred_from"),
        ({"occurred_from": "2026-01-01T00:00:00"}, "occurred_from"),
    ):
        response = await told.get("/v1/incidents", **params)
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert name in response.json()["detail"], response.json()


async def test_an_incident_shows_its_status_and_deadline_summary(told: Story) -> None:
    items = (await told.get("/v1/incidents", kind="elevator_entrapment")).json()["items"]
    detail = (await told.get(f"/v1/incidents/{items[0]['incident_id']}", role="clerk")).json()
    assert detail["incident"]["kind"] == "elevator_entrapment"
    assert detail["deadlines"]["total"] > 0
    assert sum(detail["deadlines"]["by_state"].values()) == detail["deadlines"]["total"]
    unknown = await told.get("/v1/incidents/NOPE-1")
    assert unknown.status_code == 404
    assert "NOPE-1" in unknown.json()["detail"]


async def test_as_of_hides_later_events_and_judges_deadlines_then(told: Story) -> None:
    """Given an outage whose 5-minute deadline falls due seconds after it is recorded,
    when the auditor asks as of the moment after recording and again once it is due, then
    the early view shows the deadline open and no later note, the later one shows it
    missed."""
    await told.append(outage("OUT-9", minutes_ago=5 - 8 / 60))  # due 8 s after it is made
    then = await told.recorded_at("OUT-9")
    rule = "call_centre/team_lead"
    opened = (await told.get("/v1/incidents/OUT-9/timeline", as_of=then.isoformat())).json()
    due = datetime.fromisoformat(next(d["due_at"] for d in opened["deadlines"] if d["ref"] == rule))
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.5)
    await told.append(
        builders.add_note(text="still down", incident_id="OUT-9", source=SOURCE, actor=AGENT)
    )
    early = (await told.get("/v1/incidents/OUT-9/timeline", as_of=then.isoformat())).json()
    now = (await told.get("/v1/incidents/OUT-9/timeline")).json()
    assert [e["type"] for e in early["entries"]] == ["incident.reported.v1"]
    assert len(now["entries"]) == 2
    assert _state(early, rule) in ("pending", "due_soon")
    assert _state(now, rule) == "missed"


def _state(timeline: dict[str, Any], ref: str) -> str:
    state: str = next(d["state"] for d in timeline["deadlines"] if d["ref"] == ref)
    return state


async def test_timelines_in_ndjson_csv_and_chinese(told: Story) -> None:
    await told.append(outage("OUT-8", minutes_ago=1))
    zh = await told.client.get(
        "/v1/incidents/OUT-8/timeline",
        headers=told.as_("auditor") | {"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    reported = zh.json()["entries"][0]["summary"]
    assert reported.startswith("报告事件")
    assert reported.endswith("（系统故障）")  # the kind in the reader's words, not its code
    csv = await told.get("/v1/incidents/OUT-8/timeline", format="csv")
    assert csv.content.startswith("\ufeff".encode())
    assert csv.headers["content-disposition"] == 'attachment; filename="OUT-8-timeline.csv"'
    rows = read_back(csv.content)
    assert rows[1][rows[0].index("summary")].startswith("Reported: 排队系统宕机")
    ndjson = await told.get("/v1/incidents/OUT-8/timeline", format="ndjson")
    assert len(ndjson.text.splitlines()) == 1


async def test_a_loss_run_at_a_past_instant_shows_the_figures_known_then(told: Story) -> None:
    await told.append(outage("LOSS-1", minutes_ago=30), claim("LOSS-1", reserve=50_000))
    then = await told.recorded_at("LOSS-1")
    await told.append(claim("LOSS-1", reserve=80_000, update=True))
    await told.project()
    now = await _claim_row(told, "LOSS-1")
    earlier = await _claim_row(told, "LOSS-1", as_of=then.isoformat())
    assert (earlier["reserve_minor"], now["reserve_minor"]) == (50_000, 80_000)
    assert now["claimant"] == "张三 Zhang San"
    assert (await _claim_row(told, "LOSS-1", role="clerk"))["claimant"] == ""


async def _claim_row(
    told: Story, incident: str, role: str = "auditor", **params: str
) -> dict[str, Any]:
    run = (await told.get("/v1/losses", role=role, **params)).json()
    row: dict[str, Any] = next(r for r in run["rows"] if r["incident_id"] == incident)
    return row


async def test_loss_run_exports_agree_and_keep_chinese(told: Story) -> None:
    await told.append(outage("LOSS-2", minutes_ago=10), claim("LOSS-2", reserve=12_345))
    await told.project()
    run = (await told.get("/v1/losses")).json()
    assert run["header"]["insured"].startswith("澎湖湾物业")
    csv = read_back((await told.get("/v1/losses", format="csv")).content)
    header_at = csv.index(next(r for r in csv if r[:2] == ["incident_id", "claim_number"]))
    claims = [r for r in csv[header_at + 1 :] if r and not r[0].startswith("TOTAL")]
    assert len(claims) == len(run["rows"])
    assert any(r[8] == "平安财险 Ping An" for r in claims)
    sheet = openpyxl.load_workbook(
        io.BytesIO((await told.get("/v1/losses", format="xlsx")).content)
    ).active
    totals = [r for r in sheet.iter_rows(values_only=True) if r and r[0] == "TOTAL"]
    cny = run["totals"]["CNY"]
    row = next(r for r in totals if r[-1] == "CNY")
    assert row[1] == cny["claims"]
    assert round(row[16] * 100) == cny["incurred_minor"]


async def test_every_read_and_export_is_in_the_access_log(told: Story) -> None:
    await told.get("/v1/incidents/OUT-7/timeline")
    await told.get("/v1/losses", role="clerk", format="csv")
    log = (await told.get("/v1/access-log", role="admin")).json()["items"]
    assert [(e["action"], e["role"]) for e in log[:1]] == [("loss_run", "clerk")]
    assert log[0]["params"] == {"format": "csv"}
    assert (await told.get("/v1/access-log", role="auditor")).status_code == 403


async def test_valuation_in_the_future_is_refused(told: Story) -> None:
    tomorrow = datetime.now(UTC).date() + timedelta(days=366)  # 29 February has no .replace
    response = await told.get("/v1/losses", valuation_date=tomorrow.isoformat())
    assert response.status_code == 400
    assert "valuation_date" in response.json()["detail"]


async def test_the_csv_and_json_loss_runs_hold_the_same_rows(told: Story) -> None:
    """Given claims in two currencies, one with insured losses under its policy, when the
    run is fetched as JSON and as CSV, then every row reads the same, for the auditor and
    for the clerk."""
    loss = builders.record_loss(loss_id="cash-1", category=LossCategory.CASH,
                                amount_minor=4_650_000,
                                currency="CNY", basis=Basis.ESTIMATE, insured=True,
                                insurer="平安财险 Ping An", policy_ref="POL-9",
                                incident_id="LOSS-3", source=SOURCE, actor=AGENT)  # fmt: skip
    yen = builders.open_claim(claim_number="CLM-JP", insurer="東京海上", policy_number="T-1",
                              currency="JPY", reserve_minor=12_345, incident_id="LOSS-3",
                              source=SOURCE, actor=AGENT)  # fmt: skip
    await told.append(outage("LOSS-3", minutes_ago=10), loss, claim("LOSS-3", 70_001), yen)
    await told.project()
    for role in ("auditor", "clerk"):
        rows = (await told.get("/v1/losses", role=role)).json()["rows"]
        expected = [["" if r[c] is None else str(r[c]) for c in lossrun.COLUMNS] for r in rows]
        csv = read_back((await told.get("/v1/losses", role=role, format="csv")).content)
        start = csv.index(list(lossrun.COLUMNS)) + 1
        claims = [r for r in csv[start:] if r and not r[0].startswith("TOTAL")]
        assert claims == expected
    assert any(r[10] == "cash" and r[-1] == "CNY" for r in claims)
    assert any(r[-1] == "JPY" and r[15] == "12345" for r in claims)


async def test_corrections_link_both_ways_and_late_entries_are_flagged(told: Story) -> None:
    """Given a report, a correction of it, and a note written two days after the fact,
    when the auditor reads the timeline (also as CSV), then the correction and the
    original point at each other and the late note is flagged backdated."""
    report = outage("FIX-1", minutes_ago=30)
    fix = builders.correct_event(corrects_event_id=report.event_id, corrected={"title": "排队机"},
                                 reason="wrong device named", incident_id="FIX-1",
                                 source=SOURCE, actor=AGENT)  # fmt: skip
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    late = builders.add_note(text="found in the paper log", incident_id="FIX-1", source=SOURCE,
                             actor=AGENT, occurred_at=two_days_ago)  # fmt: skip
    await told.append(report, fix, late)
    entries = (await told.get("/v1/incidents/FIX-1/timeline")).json()["entries"]
    first, correction, note = entries
    assert correction["corrects"] == first["position"]
    assert first["corrected_by"] == [correction["position"]]
    assert note["backdated"] is True
    assert first["backdated"] is False
    rows = read_back((await told.get("/v1/incidents/FIX-1/timeline", format="csv")).content)
    column = rows[0].index("corrects_event_id")
    assert rows[2][column] == str(report.event_id)
    occurred = (await told.get("/v1/incidents/FIX-1/timeline", order="occurred")).json()
    assert occurred["entries"][0]["type"] == "note.added.v1"
