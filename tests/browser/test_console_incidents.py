"""The incident pages in a real browser. Given ``ledger up`` and an incident published as
a reporting system does (a report naming a person, with a hostile title, then a note, then
later another note), when an auditor signs in, searches, opens the incident and moves the
as-of control back one recorded instant (keyboard alone), then the later note disappears
(only the part of the page it changes is swapped in: the page is not reloaded);
a clerk sees no personal field; no hostile string runs; a form posted with a forged CSRF
token is refused. Every page passes axe-core and leaves screenshots."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.console_driver import accessible, screenshots, secret, sign_in
from tests.e2e.test_ledger_up import Ledger

# One stack per module: its tests stay on one worker (make test runs --dist loadgroup).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_console_incidents")]
INCIDENT = f"WEB-{uuid.uuid4().hex[:6]}"
HOSTILE = "<script>window.__owned = 1</script><img src=x onerror=window.__owned=1>"
PERSON = "PIIreporterNameQ"


def _event(kind: str, payload: dict[str, Any], actor: str = "agent") -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "incident_id": INCIDENT, "type": kind,
        "occurred_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "source": "desk",
        "actor": {"id": "agent-1", "name": f"{actor} {HOSTILE}", "role": "agent"},
        "payload": payload,
    }  # fmt: skip


def _publish(stack: Ledger, *events: dict[str, Any]) -> None:
    lines = "".join(json.dumps(e) + "\n" for e in events)
    done = stack.run("publish", "-", stdin=lines)
    assert done.returncode == 0, done.stdout + done.stderr


def _projected(stack: Ledger, version: int) -> None:
    headers = {"Authorization": f"Bearer {secret(stack, 'auditor')}"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = httpx.get(f"{stack.url}/v1/incidents/{INCIDENT}", headers=headers)
        if got.status_code == 200 and got.json()["incident"]["version"] >= version:
            return
        time.sleep(0.1)
    raise AssertionError(f"{INCIDENT} not projected at version {version}")


ORGANISATION = """organisation_id = "webtest"
name = "Web test property"
[profile]
country = "CN"
timezone = "Asia/Shanghai"
plans = ["property"]
site_class = "urban"
"""
SITE = """organisation_id = "webtest"
site_id = "webtest-1"
name = "Tower 1"
"""


@pytest.fixture(scope="module", autouse=True)
def recorded(stack: Ledger, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A property manager's organisation and site (its plan's obligations apply; times
    in Asia/Shanghai), then the incident at that site."""
    files = tmp_path_factory.mktemp("profiles")
    for what, text in (("org", ORGANISATION), ("site", SITE)):
        (files / f"{what}.toml").write_text(text)
        done = stack.run(what, "register", str(files / f"{what}.toml"))
        assert done.returncode == 0, done.stdout + done.stderr
    report = {
        "kind": "fire", "title": f"Kitchen fire {HOSTILE}", "channel": "phone",
        "description": f"smoke in the kitchen {HOSTILE}",
        "site": {"name": f"Canteen {HOSTILE}", "location_code": "webtest-1"},
        "personal": {"name": PERSON, "phone": "PIIphoneQ"},
    }  # fmt: skip
    _publish(stack, _event("incident.reported.v1", report))
    _publish(stack, _event("note.added.v1", {"text": f"first note {HOSTILE}"}))
    _projected(stack, 2)
    time.sleep(0.05)  # the next note is recorded at a later instant
    _publish(stack, _event("note.added.v1", {"text": "the later note"}))
    _projected(stack, 3)


def _no_script_ran(page: Page) -> None:
    assert page.evaluate("window.__owned === undefined")


def test_an_auditor_searches_opens_and_goes_back_in_time(page: Page, stack: Ledger) -> None:
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    sign_in(page, stack, "auditor", then="/console/incidents")
    page.get_by_label("Search", exact=True).fill("Kitchen fire")
    page.get_by_label("Search", exact=True).press("Enter")
    link = page.get_by_role("link", name=INCIDENT)
    expect(link).to_be_visible()
    _no_script_ran(page)
    accessible(page)
    screenshots(page, "incidents")
    link.click()
    expect(page.get_by_text("the later note")).to_be_visible()
    expect(page.locator("svg.axis")).to_be_visible()  # the obligations on their time axis
    expect(page.get_by_text("times in Asia/Shanghai")).to_be_visible()
    _no_script_ran(page)
    accessible(page)
    screenshots(page, "incident")
    slider = page.get_by_label("Recorded instant")
    slider.focus()
    page.evaluate("window.stayed = true")
    slider.press("ArrowLeft")  # one recorded instant back; the form submits itself
    page.wait_for_url("**step=*")
    expect(page.locator(".as-of-banner")).to_be_visible()
    assert page.evaluate("window.stayed === true")  # the view swapped in, the page kept
    expect(page.get_by_label("Recorded instant")).to_be_focused()  # the keyboard's place too
    assert page.evaluate("localStorage.getItem('htmx-history-cache')") is None  # no snapshot
    expect(page.get_by_text("first note", exact=False)).to_be_visible()
    expect(page.get_by_text("the later note")).to_have_count(0)
    expect(page.get_by_text("1 later entries not shown")).to_be_visible()
    accessible(page)
    screenshots(page, "incident-as-of")
    page.get_by_role("link", name="中文").click()  # the same view, in Chinese
    expect(page.get_by_role("heading", name="时间线")).to_be_visible()
    expect(page.get_by_text("the later note")).to_have_count(0)
    accessible(page)
    screenshots(page, "incident-as-of-zh")
    assert dialogs == []


def test_a_clerk_sees_no_personal_field(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "clerk", then="/console/incidents")
    for path in ("/console/incidents", f"/console/incidents/{INCIDENT}", "/console/audit"):
        page.goto(path)
        html = page.content()
        assert PERSON not in html
        assert "PIIphoneQ" not in html
        assert "agent &lt;script" not in html  # the actor's name is personal too
        _no_script_ran(page)
    page.goto(f"/console/incidents/{INCIDENT}")
    expect(page.get_by_role("heading", name="Obligations")).to_be_visible()
    accessible(page)
    screenshots(page, "incident-clerk")


def test_the_audit_page(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "auditor", then="/console/audit")
    expect(page.get_by_role("heading", name="Audit", exact=True)).to_be_visible()
    expect(
        page.locator(f'[data-verify-bundle="/v1/incidents/{INCIDENT}/bundle?format=json"]')
    ).to_have_count(1)
    accessible(page)
    screenshots(page, "audit")


def test_a_forged_csrf_token_is_refused(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "auditor")
    page.locator("input[name=_csrf_token]").first.evaluate("e => e.value = 'forged'")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    page.goto("/console/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in
