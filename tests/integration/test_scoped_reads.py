"""Given a ledger holding organisations A and B, a token scoped to A walks every read
endpoint and artifact and finds nothing of B: B's incidents (and one placed nowhere) are
404 worded as unknown ones, lists and loss runs leave them out; a scoped publisher appends
only within A; a scoped admin administers no tokens."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from nats.aio.client import Client

from tests.integration.scoped_ledger import Scoped, scoped_ledger

pytestmark = pytest.mark.integration
PER_INCIDENT = (
    "/v1/incidents/{}",
    "/v1/incidents/{}/deadlines",
    "/v1/incidents/{}/timeline",
    "/v1/incidents/{}/report",
    "/v1/incidents/{}/claim-pack",
    "/v1/incidents/{}/bundle",
)


@pytest.fixture
async def ledger(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[Scoped]:
    async for found in scoped_ledger(pool, nc):
        yield found


def _ids(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {item["incident_id"] for item in answer.json()["items"]}


async def test_lists_and_boards_hold_only_the_scopes_incidents(ledger: Scoped) -> None:
    a = await ledger.token("auditor", "org-a")
    at_site = await ledger.token("clerk", "org-a", "a-estate")
    everyone = await ledger.token("auditor", None)
    fire_a, robbery_a = ledger.incidents["A"]
    assert _ids(await ledger.get("/v1/incidents", a)) == {fire_a, robbery_a}
    assert _ids(await ledger.get("/v1/incidents", at_site)) == {fire_a}
    assert _ids(await ledger.get("/v1/deadlines", a, limit=500)) <= {fire_a, robbery_a}
    assert _ids(await ledger.get("/v1/deadlines", at_site, limit=500)) <= {fire_a}
    every = _ids(await ledger.get("/v1/incidents", everyone))
    assert every == {i for owner in ledger.incidents.values() for i in owner}


@pytest.mark.parametrize("path", PER_INCIDENT)
async def test_an_incident_outside_the_scope_is_unknown(ledger: Scoped, path: str) -> None:
    a = await ledger.token("auditor", "org-a")
    for incident in ledger.incidents["B"] + ledger.incidents["none"]:
        hidden = await ledger.get(path.format(incident), a)
        unknown = await ledger.get(path.format("NO-SUCH-INCIDENT"), a)
        assert hidden.status_code == 404, (path, hidden.text)
        assert hidden.json()["detail"] == unknown.json()["detail"].replace(
            "NO-SUCH-INCIDENT", incident
        )
    for incident in ledger.incidents["A"]:
        seen = await ledger.get(path.format(incident), a)
        assert seen.status_code in (200, 409), (path, seen.text)  # 409: not signed yet


async def test_a_past_timeline_outside_the_scope_is_unknown(ledger: Scoped) -> None:
    a = await ledger.token("auditor", "org-a")
    as_of = datetime.now(UTC).isoformat()
    for incident in ledger.incidents["B"]:
        then = await ledger.get(f"/v1/incidents/{incident}/timeline", a, as_of=as_of)
        assert then.status_code == 404
    (fire_a, _) = ledger.incidents["A"]
    seen = await ledger.get(f"/v1/incidents/{fire_a}/timeline", a, as_of=as_of)
    assert seen.status_code == 200


async def test_loss_runs_leave_out_other_organisations(ledger: Scoped) -> None:
    a = await ledger.token("auditor", "org-a")
    everyone = await ledger.token("auditor", None)
    robbery_a, robbery_b = ledger.incidents["A"][1], ledger.incidents["B"][1]
    day = datetime.now(UTC).date().isoformat()
    for params in ({}, {"as_of": datetime.now(UTC).isoformat()}, {"valuation_date": day}):
        for format in ("json", "csv", "xlsx"):
            run = await ledger.get("/v1/losses", a, format=format, **params)
            body = _text(run, format)
            assert robbery_a in body, (format, params)
            assert robbery_b not in body, (format, params)
    every = await ledger.get("/v1/losses", everyone, format="csv")
    assert robbery_b in every.text


def _text(answer: httpx.Response, format: str) -> str:
    assert answer.status_code == 200, answer.text
    if format != "xlsx":
        return answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
        return "".join(book.read(n).decode() for n in book.namelist())


async def test_inclusion_proofs_of_other_organisations_events_are_unknown(
    ledger: Scoped,
) -> None:
    a = await ledger.token("clerk", "org-a")
    for event_id in ledger.events["B"][:3]:
        proof = await ledger.get("/v1/audit/proof/inclusion", a, event_id=event_id)
        assert proof.status_code == 404
        assert proof.json()["detail"] == f"no event {event_id} is recorded"


def _event(incident: str, type: str, payload: dict[str, object]) -> dict[str, object]:
    return {"incident_id": incident, "source": "desk", "type": type, "actor": {"id": "u1"},
            "payload": payload}  # fmt: skip


REPORTED_AT_A = _event("A-NEW", "incident.reported.v1", {
    "kind": "fire", "title": "smoke", "channel": "phone",
    "site": {"name": "estate", "location_code": "a-estate"}})  # fmt: skip
NOTE_ON_A = _event("A-NEW", "note.added.v1", {"text": "ours"})
SITE_OF_B = _event("_org-org-b", "site.registered.v1",
                   {"organisation_id": "org-b", "site_id": "b-2", "name": "b-2"})  # fmt: skip


async def test_a_scoped_publisher_appends_only_within_its_organisation(ledger: Scoped) -> None:
    """Refused whole, naming the first event outside; a request within the scope goes on
    to the sequencer (none leads here: 503)."""
    a = await ledger.token("publisher", "org-a")
    note_on_b = _event(ledger.incidents["B"][0], "note.added.v1", {"text": "not ours"})
    for refused, path in (
        ([note_on_b], "$[0]"),
        ([REPORTED_AT_A, NOTE_ON_A, SITE_OF_B], "$[2]"),
        ([REPORTED_AT_A | {"incident_id": "B-NEW"}, note_on_b | {"incident_id": "C"}], "$[1]"),
    ):
        answer = await ledger.client.post("/v1/events", json=refused, headers=a)
        assert answer.status_code == 403, answer.text
        assert (answer.json()["code"], answer.json()["path"]) == ("out_of_scope", path)
    within = await ledger.client.post("/v1/events", json=[REPORTED_AT_A, NOTE_ON_A], headers=a)
    assert within.status_code == 503, within.text


async def test_a_scoped_admin_administers_no_tokens_and_reads_no_rejections(
    ledger: Scoped,
) -> None:
    admin = await ledger.token("admin", "org-a")
    assert (await ledger.get("/v1/tokens", admin)).status_code == 403
    made = await ledger.client.post(
        "/v1/tokens", json={"role": "auditor", "name": "wider"}, headers=admin
    )
    assert made.status_code == 403
    rejections = await ledger.get("/v1/rejections", admin)
    assert rejections.status_code == 200
    assert rejections.json()["items"] == []


async def test_an_unscoped_admin_makes_scoped_tokens_over_http(ledger: Scoped) -> None:
    admin = await ledger.token("admin", None)
    made = await ledger.client.post(
        "/v1/tokens",
        json={"role": "clerk", "name": "a-estate desk", "organisation_id": "org-a",
              "site_id": "a-estate"},
        headers=admin,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert (token["organisation_id"], token["site_id"]) == ("org-a", "a-estate")
    clerk = {"Authorization": f"Bearer {made.json()['secret']}"}
    assert _ids(await ledger.get("/v1/incidents", clerk)) == {ledger.incidents["A"][0]}
    alone = await ledger.client.post(
        "/v1/tokens", json={"role": "clerk", "name": "x", "site_id": "a-estate"}, headers=admin
    )
    assert alone.status_code == 400
    assert "organisation_id" in alone.json()["detail"]
