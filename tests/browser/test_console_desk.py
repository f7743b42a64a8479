"""The console's desk pages in a real browser, on one stack. Given ``ledger up`` and its
development tokens: an auditor watching the deadline board sees a newly reported outage
appear and its five-minute deadline turn from due soon to missed, without a reload; a
clerk downloads the loss run as CSV (no person named in it); an admin creates a token
and revokes it through the console's forms; ``/schema`` renders with nothing fetched from
elsewhere. Each page is accessible (axe-core) and leaves its screenshots."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from playwright.sync_api import Page, expect

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Personal, Site
from tests.browser.console_driver import accessible, font_used, fonts_loaded, screenshots, sign_in
from tests.e2e.test_ledger_up import Ledger
from tests.seeding import profile_events

pytestmark = pytest.mark.browser

AGENT = Actor(id="agent-9", name="坐席 agent", role="agent")
HALL = "BOARD-HALL"
LATE = 90_000  # ms: a deadline due in under a minute has turned missed by then


def publish(stack: Ledger, *envelopes: Envelope) -> None:
    lines = "".join(msgspec.json.encode(e).decode() + "\n" for e in envelopes)
    published = stack.run("publish", "-", stdin=lines)
    assert published.returncode == 0, published.stderr


@pytest.fixture(scope="module", autouse=True)
def hall(stack: Ledger) -> None:
    """The board's hall, registered under the call centre's plan alone: an outage there
    has the plan's 5-, 10- and 60-minute deadlines and no other."""
    hall = profile_events(
        "board-org",
        sites=[HALL],
        country="CN",
        timezone="Asia/Shanghai",
        subject_to=(),
        plans=("call_centre",),
    )
    publish(stack, *hall)


def outage(incident: str, due_in: timedelta) -> Envelope:
    """An outage whose five-minute deadlines fall due in ``due_in`` (lead time: 2 min)."""
    return builders.report_incident(
        kind=IncidentKind.SYSTEM_OUTAGE, title="<script>排队系统宕机</script>",
        channel=ReportChannel.MONITORING,
        site=Site(name="营业厅 hall", location_code=HALL), incident_id=incident,
        source="desk", actor=AGENT,
        occurred_at=datetime.now(UTC) - timedelta(minutes=5) + due_in,
    )  # fmt: skip


def test_the_board_turns_a_deadline_missed_without_a_reload(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "auditor", then=f"/console/deadlines?site={HALL}")
    expect(page.get_by_text("No deadline matches.")).to_be_visible()
    page.evaluate("window.stayed = true")
    publish(stack, outage("BOARD-1", timedelta(seconds=40)))
    rows = page.locator("tr", has=page.get_by_role("link", name="BOARD-1"))
    expect(rows.first).to_be_visible(timeout=20_000)
    expect(rows.first.locator(".badge")).to_have_text("due soon")
    expect(rows.first.locator(".countdown")).to_have_text(re.compile(r"^00:00:\d\d$"))
    accessible(page)
    screenshots(page, "deadline-board")
    expect(rows.first.locator(".badge")).to_have_text("missed", timeout=LATE)
    expect(rows.first.locator(".countdown")).to_have_text(re.compile(r"^−00:0\d:\d\d$"))
    assert page.evaluate("window.stayed") is True  # the same page: never reloaded


def test_a_clerk_downloads_the_loss_run(page: Page, stack: Ledger) -> None:
    publish(
        stack,
        outage("LOSS-1", timedelta(hours=-1)),
        builders.open_claim(
            claim_number="CLM-LOSS-1", insurer="平安财险 Ping An", policy_number="POL-9",
            currency="CNY", reserve_minor=250_000, personal=Personal(name="张三 Zhang San"),
            incident_id="LOSS-1", source="desk", actor=AGENT,
        ),
    )  # fmt: skip
    sign_in(page, stack, "clerk", then="/console/losses")
    for _ in range(50):  # until the projector has the claim
        if page.get_by_text("CLM-LOSS-1").count():
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.get_by_text("CLM-LOSS-1")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    accessible(page)
    screenshots(page, "losses")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download CSV").click()
    csv = downloading.value.path().read_text(encoding="utf-8-sig")
    assert "CLM-LOSS-1" in csv
    assert "张三" not in csv
    assert "Zhang" not in csv


def test_an_admin_creates_and_revokes_a_token(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "admin", then="/console/admin")
    page.get_by_label("Name").fill("claims desk")
    page.get_by_label("Role").select_option("clerk")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", name=re.compile("Token created"))).to_be_visible()
    assert page.locator("#new-secret").inner_text().strip()
    accessible(page)
    screenshots(page, "admin-tokens")
    row = page.locator("tr", has_text="claims desk")
    row.get_by_role("button", name=re.compile("Revoke")).click()
    expect(row.locator("time")).to_have_count(2)  # created, and now revoked
    expect(row.get_by_role("button")).to_have_count(0)
    page.get_by_role("link", name="Access log").click()
    page.get_by_label("Action").fill("token_revoke")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="token_revoke")).to_be_visible()
    accessible(page)
    screenshots(page, "admin-access-log")


def test_the_schema_renders_with_nothing_from_elsewhere(page: Page) -> None:
    page.goto("/schema")
    expect(page.locator(".swagger-ui .title")).to_contain_text("Incident Ledger")
    expect(page.get_by_text("/v1/deadlines").first).to_be_visible()
    screenshots(page, "schema")


def shown_in_chinese(page: Page) -> None:
    """Once the shipped Chinese font has loaded (a screenshot before would show boxes)."""
    fonts_loaded(page)
    assert font_used(page, "Noto Sans SC", "截止期限看板")


def test_the_desk_pages_in_chinese(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "auditor", then=f"/console/deadlines?site={HALL}")
    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="截止期限看板")).to_be_visible()
    accessible(page)
    shown_in_chinese(page)
    screenshots(page, "deadline-board-zh")
    page.get_by_role("link", name="损失").first.click()
    expect(page.get_by_role("heading", name="损失", exact=True)).to_be_visible()
    accessible(page)
    shown_in_chinese(page)
    screenshots(page, "losses-zh")
