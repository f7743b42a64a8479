"""Read-your-writes: every read says which ledger position it reflects, and a read given
``min_position`` waits for the read models (or a replica) to reach it, or answers 503."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.api_story import Story, claim, outage

pytestmark = pytest.mark.integration


async def _head(told: Story) -> int:
    return int(await told.pool.fetchval("SELECT max(position) FROM events"))


async def test_reads_carry_the_position_they_reflect(told: Story) -> None:
    head = await _head(told)
    incident = (await told.get("/v1/incidents")).json()["items"][0]["incident_id"]
    timeline = await told.get(f"/v1/incidents/{incident}/timeline")
    losses = await told.get("/v1/losses")
    assert int(timeline.headers["X-Ledger-Position"]) == head
    assert int(losses.headers["X-Ledger-Position"]) == head  # projected up to the head


async def test_a_clerk_never_sees_a_loss_run_without_the_loss_just_recorded(told: Story) -> None:
    """Given read models behind the ledger, when a clerk asks for the loss run at the
    position of the claim they recorded, then the answer waits until it is projected."""
    await told.append(outage("LATE-1", minutes_ago=5), claim("LATE-1", reserve=70_000))
    recorded = await _head(told)
    asking = asyncio.create_task(told.get("/v1/losses", role="clerk", min_position=recorded))
    await asyncio.sleep(0.3)
    assert not asking.done()  # waiting for the projection
    await told.project()
    answer = await asking
    assert answer.status_code == 200, answer.text
    assert "LATE-1" in {row["incident_id"] for row in answer.json()["rows"]}
    assert int(answer.headers["X-Ledger-Position"]) >= recorded


async def test_a_position_not_reached_in_time_is_503_with_retry_after(told: Story) -> None:
    await told.append(outage("UNPROJECTED-1", minutes_ago=1))  # recorded, not projected
    ahead = await _head(told)
    answer = await told.get("/v1/losses", role="clerk", min_position=ahead)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert f"behind min_position {ahead}" in answer.json()["detail"]


async def test_a_position_beyond_the_ledger_is_400(told: Story) -> None:
    """No answer can have carried it: waiting would be for nothing."""
    beyond = await _head(told) + 1_000
    answer = await told.get("/v1/audit/checkpoints/latest", min_position=beyond)
    assert answer.status_code == 400, answer.text
    assert f"'min_position': {beyond} lies beyond the ledger" in answer.json()["detail"]


async def test_a_malformed_min_position_is_400_naming_it(told: Story) -> None:
    for bad in ("-1", "abc", "1e9", "9" * 30):
        answer = await told.get("/v1/incidents", min_position=bad)
        assert answer.status_code == 400, answer.text
        assert "min_position" in answer.json()["detail"]


async def test_every_read_that_honours_min_position_declares_it(told: Story) -> None:
    paths = (await told.client.get("/schema/openapi.json")).json()["paths"]
    declaring = {
        path for path, item in paths.items()
        if any(p["name"] == "min_position" for p in item.get("get", {}).get("parameters", []))
    }  # fmt: skip
    administrative = (
        "/v1/access-log", "/v1/tokens", "/v1/rejections",
        "/v1/subjects/{subject}", "/v1/subjects/{subject}/export",  # the keys, on the primary
    )  # fmt: skip
    reads = {p for p in paths if p.startswith("/v1/") and p not in administrative}
    assert declaring == {p for p in reads if "get" in paths[p]}


async def test_a_timeline_read_again_holds_a_record_appended_in_between(told: Story) -> None:
    """Given an auditor who has just read a timeline (kept as answered), when a record is
    appended to it, then reading at that record's position shows it, and every read is
    in the access log."""
    before = await told.get("/v1/incidents/LATE-2/timeline")
    assert before.status_code == 404
    await told.append(outage("LATE-2", minutes_ago=5))
    first = (await told.get("/v1/incidents/LATE-2/timeline")).json()
    await told.append(claim("LATE-2", reserve=10_000))
    recorded = await _head(told)
    again = await told.get("/v1/incidents/LATE-2/timeline", min_position=recorded)
    assert [e["version"] for e in again.json()["entries"]] == [
        *(e["version"] for e in first["entries"]),
        len(first["entries"]) + 1,
    ]
    assert int(again.headers["X-Ledger-Position"]) >= recorded
    logged = await told.pool.fetch(
        "SELECT status FROM access_log WHERE resource = 'LATE-2' ORDER BY id"
    )
    assert [r["status"] for r in logged] == [404, 200, 200]
