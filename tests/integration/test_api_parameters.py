"""Query parameters mean one thing on every read: date-times are RFC 3339 and nothing else,
one range rule holds for every ``as of``, errors name the parameter as the caller wrote
it, and a text body's ``Content-Type`` names its charset once."""

from __future__ import annotations

import pytest

from tests.integration.api_story import Story

pytestmark = pytest.mark.integration
READS = ("/v1/losses", "/v1/incidents/OUT-7/timeline")


async def _refused(told: Story, path: str, name: str, **params: str) -> str:
    response = await told.get(path, **params)
    assert response.status_code == 400, (path, params, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == name, problem
    assert f"'{name}'" in problem["detail"], problem
    return str(problem["detail"])


async def test_given_an_epoch_number_as_of_then_no_read_values_it_at_1970(told: Story) -> None:
    for path in READS:
        for text in ("0.5", "1700000000", "2026-11-22T08:00:00"):
            assert "RFC 3339" in await _refused(told, path, "as_of", as_of=text)


async def test_given_an_as_of_in_2100_then_timeline_and_loss_run_refuse_it_alike(
    told: Story,
) -> None:
    details = {await _refused(told, p, "as_of", as_of="2100-01-01T00:00:00Z") for p in READS}
    assert len(details) == 1, details  # one rule, worded once
    for path in READS:
        await _refused(told, path, "as_of", as_of="1899-12-31T23:59:59Z")
        assert (await told.get(path, as_of="2026-01-01T00:00:00Z")).status_code in (200, 404)


async def test_every_date_parameter_follows_the_rule_and_is_named_as_written(
    told: Story,
) -> None:
    for path, name in (
        ("/v1/incidents", "occurred_from"),
        ("/v1/incidents", "occurred_to"),
        ("/v1/deadlines", "due_before"),
        ("/v1/losses", "valuation_date"),
        ("/v1/losses", "from"),
        ("/v1/losses", "to"),
    ):
        await _refused(told, path, name, **{name: "1700000000"})
    for path, name in (("/v1/access-log", "since"), ("/v1/access-log", "until")):
        response = await told.get(path, role="admin", **{name: "0.5"})
        assert response.json()["parameter"] == name, response.text


async def test_given_a_bad_value_for_an_aliased_parameter_then_its_own_name_is_given(
    told: Story,
) -> None:
    detail = await _refused(told, "/v1/deadlines", "state", state="bogus")
    assert "deadline_state" not in detail
    assert "loss_from" not in await _refused(told, "/v1/losses", "from", **{"from": "x"})
    for params in ({"from": "0"}, {}):
        response = await told.get("/v1/audit/proof/consistency", **params)
        assert response.json()["parameter"] == "from", response.text


async def test_text_bodies_name_their_charset_once(told: Story) -> None:
    some = (await told.get("/v1/incidents", limit=1)).json()["items"][0]["incident_id"]
    for path, params in (
        (f"/v1/incidents/{some}/timeline", {"format": "csv"}),
        ("/v1/losses", {"format": "csv"}),
        (f"/v1/incidents/{some}/report", {"format": "html"}),
        ("/metrics", {}),
        ("/schema", {}),
    ):
        response = await told.get(path, **params)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].count("charset") == 1, response.headers
