"""One incident's deadline board through the API: every obligation explains itself (due
time in UTC and locally with its zone, the adjustment chain, the lead time in seconds,
pack and version, rule and the event its clock starts from); the board's filters are the
list's, open obligations come first by due time, ``explain=true`` adds the profile basis
and the rules considered, and ``as_of`` answers with all of it as the ledger held it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import asyncpg
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.envelope import Actor
from projector.domain.deadlines.obligation import OPEN
from tests.integration.api_story import SOURCE, Story, outage, story

pytestmark = pytest.mark.integration

TEAM_LEAD = Actor(id="lead-1", name="组长 lead", role="team_lead")
INCIDENT = "OUT-77"


@pytest.fixture
async def told(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Story]:
    """Given an application outage reported 30 minutes ago: its 5- and 10-minute steps
    are missed, the vendor's 60 minutes still run."""
    async for value in story(pool, nc):
        await value.append(outage(INCIDENT, minutes_ago=30))
        await value.project()
        yield value


async def _board(told: Story, **params: Any) -> dict[str, Any]:
    response = await told.get(f"/v1/incidents/{INCIDENT}/deadlines", **params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def _due(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["due_at"])


async def test_every_obligation_explains_its_due_time(told: Story) -> None:
    items = (await _board(told))["items"]
    assert items
    for item in items:
        local = datetime.fromisoformat(item["due_local"])
        assert local == _due(item)
        assert local.utcoffset() is not None
        assert item["zone"]
        assert isinstance(item["adjustments"], list)
        assert item["raw_due_at"]
        assert item["pack_id"]
        assert item["pack_version"]
        assert item["rule"]
        assert item["lead_time"].startswith("P")
        assert isinstance(item["lead_seconds"], int)
        assert item["start"] == {
            "position": item["anchor_position"],
            "type": "incident.reported.v1",
            "at": item["anchor_at"],
        }
        assert "basis" not in item


async def test_open_obligations_come_first_by_due_time_then_closed_ones(told: Story) -> None:
    items = (await _board(told))["items"]
    opened = [item["state"] in OPEN for item in items]
    assert opened == sorted(opened, reverse=True)
    assert True in opened
    assert False in opened
    for group in (True, False):
        dues = [_due(i) for i, o in zip(items, opened, strict=True) if o is group]
        assert dues == sorted(dues)


async def test_the_incident_board_filters_as_the_list_does(told: Story) -> None:
    every = (await _board(told))["items"]
    missed = (await _board(told, state="missed"))["items"]
    assert missed
    assert {i["state"] for i in missed} == {"missed"}
    packs = {i["pack_id"] for i in every}
    by_pack = [(await _board(told, policy=pack))["items"] for pack in packs]
    assert [{i["pack_id"] for i in items} for items in by_pack] == [{pack} for pack in packs]
    assert sum(len(items) for items in by_pack) == len(every)
    assert (await _board(told, policy="dora"))["items"] == []
    # A bound splits the board in two, losing and repeating nothing.
    split = sorted(every, key=_due)[len(every) // 2]["due_at"]
    before = (await _board(told, due_before=split))["items"]
    after = (await _board(told, due_after=split))["items"]
    assert sorted(i["ref"] for i in before + after) == sorted(i["ref"] for i in every)
    assert all(_due(i) >= _due({"due_at": split}) for i in after)
    listed = (await told.get("/v1/deadlines", due_after=split, limit=500)).json()
    assert {i["ref"] for i in listed["items"] if i["incident_id"] == INCIDENT} == {
        i["ref"] for i in after
    }
    bad = await told.get(f"/v1/incidents/{INCIDENT}/deadlines", due_after="yesterday")
    assert bad.status_code == 400
    assert "due_after" in bad.json()["detail"]


async def test_explain_adds_the_basis_and_the_rules_considered(told: Story) -> None:
    explained = await _board(told, explain="true")
    assert all("basis" in i and "basis_position" in i for i in explained["items"])
    considered = {(c["pack_id"], c["rule"]): c for c in explained["considered"]}
    assert considered["call_centre", "team_lead"]["applies"] is True
    office = considered["dora", "initial"]
    assert office["applies"] is False
    assert office["why"]
    assert "considered" not in await _board(told) or (await _board(told))["considered"] is None


async def test_as_of_answers_the_board_as_the_ledger_held_it(told: Story) -> None:
    """Given the team lead acting after the 5 minutes ran out, when the board is read as of
    the report's recording and now, then the earlier board shows the step missed, the
    current one met late, each with the same explanation."""
    then = await told.recorded_at(INCIDENT)
    note = builders.add_note(text="informed", incident_id=INCIDENT, source=SOURCE, actor=TEAM_LEAD)
    await told.append(note)
    await told.project()
    early = await _board(told, as_of=then.isoformat(), explain="true", policy="call_centre")
    now = await _board(told, explain="true", policy="call_centre")
    rule = "call_centre/team_lead"
    [was] = [i for i in early["items"] if i["ref"] == rule]
    [is_] = [i for i in now["items"] if i["ref"] == rule]
    assert (was["state"], is_["state"]) == ("missed", "met_late")
    assert was["due_local"] == is_["due_local"]
    assert was["start"] == is_["start"]
    assert datetime.fromisoformat(early["as_of"]) == then
    assert early["considered"] == now["considered"]
