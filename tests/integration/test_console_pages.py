"""The console's incident pages over a small ledger (every scenario recorded through the
ingest's writer and projected). Given an auditor and a clerk, when they list, search,
filter and open incidents, then they see what the API gives them: the auditor the
timeline (with an as-of view that drops what was recorded later), the clerk the status
and obligations only; a bad parameter is named on the page; a publisher is refused and
the refusal is in the access log; every ledger string is escaped."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from ledger.store import subject_keys
from tests.integration.api_story import AGENT, SOURCE, Story

pytestmark = pytest.mark.integration


async def _page(told: Story, path: str, role: str = "auditor", **params: Any) -> str:
    answer = await told.get(path, role, **params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    return answer.text


def _fire(incident: str, site: str, actor: Actor, title: str = "smoke") -> Envelope:
    """A fire reported at the hall by ``actor``, as a publisher sends it."""
    return builders.report_incident(
        kind=IncidentKind.FIRE, title=title, site=Site(name="hall", location_code=site),
        channel=ReportChannel.PHONE, incident_id=incident, source=SOURCE, actor=actor,
    )  # fmt: skip


def _ids(html: str) -> list[str]:
    return re.findall(r'<td><a href="/console/incidents/([^"]+)">', html)


async def test_the_list_shows_every_incident_with_counts(told: Story) -> None:
    html = await _page(told, "/console/incidents")
    api = (await told.get("/v1/incidents")).json()["items"]
    assert _ids(html) == [i["incident_id"] for i in api]
    assert f"Found: {len(api)}" in html


async def test_filters_narrow_the_list_as_the_api_does(told: Story) -> None:
    html = await _page(told, "/console/incidents", kind="fire")
    api = (await told.get("/v1/incidents", kind="fire")).json()["items"]
    assert _ids(html) == [i["incident_id"] for i in api]
    assert api


async def test_an_auditor_searches_the_timelines_notes_a_clerk_does_not(told: Story) -> None:
    incident = _ids(await _page(told, "/console/incidents"))[0]
    note = builders.add_note(text="zebra-crossing repainted", incident_id=incident,
                             source=SOURCE, actor=AGENT)  # fmt: skip
    await told.append(note)
    await told.project()
    assert _ids(await _page(told, "/console/incidents", q="zebra-crossing")) == [incident]
    assert _ids(await _page(told, "/console/incidents", "clerk", q="zebra-crossing")) == []


async def test_a_bad_parameter_is_named_on_the_page(told: Story) -> None:
    answer = await told.get("/console/incidents", since="yesterday")
    assert answer.status_code == 400
    assert "since" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


async def test_the_auditor_sees_the_timeline_and_the_clerk_does_not(told: Story) -> None:
    incident = _ids(await _page(told, "/console/incidents"))[0]
    auditor = await _page(told, f"/console/incidents/{incident}")
    clerk = await _page(told, f"/console/incidents/{incident}", "clerk")
    assert 'class="timeline"' in auditor
    assert "data-verify-bundle" in auditor
    assert 'class="timeline"' not in clerk
    assert "data-verify-bundle" not in clerk
    assert "Milestones" in clerk
    assert "Obligations" in clerk


async def test_as_of_the_first_instant_later_entries_are_gone(told: Story) -> None:
    incident = _ids(await _page(told, "/console/incidents"))[0]
    await told.append(builders.add_note(text="a later word", incident_id=incident,
                                        source=SOURCE, actor=AGENT))  # fmt: skip
    now = await _page(told, f"/console/incidents/{incident}")
    first = await _page(told, f"/console/incidents/{incident}", step="0")
    assert now.count('class="entry"') == first.count('class="entry"') + 1
    assert "a later word" in now
    assert "a later word" not in first
    assert "1 later entries not shown" in first


async def test_the_as_of_control_through_htmx_gets_the_view_alone(told: Story) -> None:
    """Given the as-of control's request as htmx sends it, then the answer is the part of
    the page it changes (and the language switch following its address), not the page;
    without htmx, or restoring history, the whole page."""
    incident = _ids(await _page(told, "/console/incidents"))[0]
    path = f"/console/incidents/{incident}"
    swap = told.as_("auditor") | {"HX-Request": "true", "HX-Target": "incident-view"}
    part = await told.client.get(path, params={"step": "0"}, headers=swap)
    assert part.status_code == 200, part.text
    assert part.text.lstrip().startswith('<div id="incident-view">'), part.text[:200]
    assert "<html" not in part.text
    assert 'hx-swap-oob="true"' in part.text
    assert "step%3D0" in part.text  # the language switch comes back to this instant
    assert part.headers["vary"] == "HX-Request"
    restoring = swap | {"HX-History-Restore-Request": "true"}
    for headers in (told.as_("auditor"), restoring):
        whole = await told.client.get(path, params={"step": "0"}, headers=headers)
        assert "<html" in whole.text
        assert 'hx-swap-oob="true"' not in whole.text


async def test_a_publisher_is_refused_and_the_refusal_is_logged(told: Story) -> None:
    answer = await told.get("/console/incidents/ANY-1", "publisher")
    assert answer.status_code == 403
    logged = await told.pool.fetchrow(
        "SELECT action, resource, status FROM access_log WHERE role = 'publisher'"
    )
    assert dict(logged) == {"action": "timeline", "resource": "ANY-1", "status": 403}


async def test_the_auditors_page_read_is_in_the_access_log(told: Story) -> None:
    incident = _ids(await _page(told, "/console/incidents"))[0]
    await _page(told, f"/console/incidents/{incident}", step="0")
    found = await told.pool.fetchval(
        "SELECT params FROM access_log WHERE action = 'timeline' AND resource = $1", incident
    )
    assert found is not None
    assert '"step": "0"' in found


async def test_the_audit_page_offers_verify_buttons_to_auditors_only(told: Story) -> None:
    auditor = await _page(told, "/console/audit")
    clerk = await _page(told, "/console/audit", "clerk")
    admin = await _page(told, "/console/audit", "admin")
    assert "No checkpoint has been signed yet." in auditor
    assert auditor.count("data-verify-bundle=") == len(
        _ids(await _page(told, "/console/incidents"))
    )
    assert "verify-ui.js" in auditor
    assert "data-verify-bundle" not in clerk
    assert "data-verify-bundle" not in admin


HOSTILE = "<script>alert(1)</script>"


async def test_every_ledger_string_is_escaped(told: Story) -> None:
    hostile = builders.report_incident(
        kind=IncidentKind.FIRE, title=f"title {HOSTILE}", description=f"description {HOSTILE}",
        site=Site(name=f"site {HOSTILE}", location_code="C-1"), channel=ReportChannel.PHONE,
        incident_id="XSS-1", source=SOURCE,
        actor=Actor(id="agent-x", name=f"actor {HOSTILE}", role="agent"),
    )  # fmt: skip
    note = builders.add_note(text=f"note {HOSTILE}", incident_id="XSS-1", source=SOURCE,
                             actor=AGENT)  # fmt: skip
    await told.append(hostile, note)
    await told.project()
    pages = [
        await _page(told, "/console/incidents", q="title"),
        await _page(told, "/console/incidents/XSS-1"),
        await _page(told, "/console/incidents/XSS-1", "clerk"),
        await _page(told, "/console/audit"),
    ]
    for html in pages:
        assert HOSTILE not in html
    assert "title &lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]
    assert "note &lt;script&gt;" in pages[1]
    # the actor's name, sealed in the record, opened for the auditor and escaped like the rest
    assert "actor &lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]
    assert "pd1." not in pages[1]


async def test_an_erased_name_reads_erased_on_the_next_page(told: Story) -> None:
    # Given an incident reported by a named actor, and its page once read (kept between
    # requests with the tokens only), when the actor's key is erased, then the next page
    # reads "erased" where the name was.
    actor = Actor(id="agent-e", name="Erin Example", role="agent")
    await told.append(_fire("ERASE-1", "C-2", actor))
    await told.project()
    assert "Erin Example" in await _page(told, "/console/incidents/ERASE-1")
    async with told.pool.acquire() as conn:
        await subject_keys.erase(conn, "actor:agent-e", "test", "test")
    after = await _page(told, "/console/incidents/ERASE-1")
    assert "Erin Example" not in after
    assert "erased" in after


async def test_keyset_pages_walk_the_whole_list_once(told: Story) -> None:
    everything = _ids(await _page(told, "/console/incidents"))
    seen: list[str] = []
    html = await _page(told, "/console/incidents", limit="2")
    while True:
        seen += _ids(html)
        following = re.search(r'<a href="(/console/incidents\?[^"]+)" rel="next">', html)
        if following is None:
            break
        answer = await told.client.get(
            following[1].replace("&amp;", "&"), headers=told.as_("auditor")
        )
        html = answer.text
        assert "First page" in html
    assert seen == everything
    assert len(everything) > 2


async def test_a_token_copied_into_another_incident_opens_nothing_there(told: Story) -> None:
    # Given a name sealed in one incident's record, when a publisher copies its token into
    # a note of another incident, then that incident's page reads "erased" there, never
    # the name: a token opens only in the incident its value was sealed in.
    actor = Actor(id="agent-t", name="Tove Tokenowner", role="agent")
    await told.append(_fire("TOKEN-1", "C-3", actor))
    async with told.pool.acquire() as conn:
        record = await conn.fetchval("SELECT record FROM events WHERE incident_id = 'TOKEN-1'")
    token = re.search(r"pd1\.[A-Za-z0-9_-]{43}", bytes(record).decode()).group()  # type: ignore[union-attr]
    await told.append(_fire("TOKEN-2", "C-3", AGENT, title=f"copied {token}"))
    await told.project()
    assert "Tove Tokenowner" in await _page(told, "/console/incidents/TOKEN-1")
    other = await _page(told, "/console/incidents/TOKEN-2")
    assert "Tove Tokenowner" not in other
    assert "copied erased" in other


async def test_the_json_timeline_opens_a_name_with_quotes_exactly(told: Story) -> None:
    # Given a name holding a quote, a backslash, a control character and CJK, when the
    # auditor reads the JSON and NDJSON timelines (their tokens opened in the kept bytes),
    # then each decodes to the name as published.
    name = 'Zoë "Q" \\ back\tslash 张三 </script>'
    actor = Actor(id="agent-q", name=name, role="agent")
    await told.append(_fire("QUOTE-1", "C-4", actor))
    await told.project()
    answer = await told.get("/v1/incidents/QUOTE-1/timeline")
    assert answer.json()["entries"][0]["actor"]["name"] == name
    lines = (await told.get("/v1/incidents/QUOTE-1/timeline", format="ndjson")).text
    assert json.loads(lines.splitlines()[0])["actor"]["name"] == name
