"""Every console page by keyboard alone, and in Chinese. Given ``ledger up`` with a call
centre's hall whose outages carry deadlines (one still pending, one missed) and a claim:
a reader who only has a keyboard signs in, skips to the content, reaches every control
with Tab (each showing where the focus is) and back with Shift+Tab, switches the
language, filters, moves the as-of control, downloads the loss run and verifies an
incident. Read in Chinese, no page shows an obligation's state or the verifier's words in
English, and each page leaves its screenshots."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from ledger_verify import note
from playwright.sync_api import Page, expect

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from incident_ledger.signer_wiring import DEV_KEY
from tests.browser.console_driver import accessible, fonts_loaded, screenshots, secret, sign_in
from tests.browser.keyboard import skip_to_main, tab_to, walk
from tests.e2e.test_ledger_up import Ledger
from tests.seeding import profile_events

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_console_walk")]
AGENT = Actor(id="agent-7", name="agent seven", role="agent")
HALL = "WALK-HALL"
PAGES = ("/console/", "/console/incidents", "/console/incidents/WALK-LATE",
         "/console/deadlines", "/console/losses", "/console/audit")  # fmt: skip
ADMIN_PAGES = ("/console/admin", "/console/admin/access")
STATES_IN_ENGLISH = re.compile(
    r"\b(pending|due[ _]soon|met|met[ _]late|missed|waived|paused|not[ _]applicable|superseded)\b"
)


def _outage(incident: str, due_in: timedelta) -> Envelope:
    return builders.report_incident(
        kind=IncidentKind.SYSTEM_OUTAGE, title=f"排队系统宕机 {incident}",
        channel=ReportChannel.MONITORING,
        site=Site(name="营业厅", location_code=HALL), incident_id=incident,
        source="desk", actor=AGENT, occurred_at=datetime.now(UTC) - timedelta(minutes=5) + due_in,
    )  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def hall(stack: Ledger) -> None:
    """The hall under the call centre's plan; an outage just reported (its deadlines
    pending) and one an hour past its deadlines, then a claim on the late one."""
    hall = profile_events("walk-org", sites=[HALL], country="CN", timezone="Asia/Shanghai",
                          subject_to=(), plans=("call_centre",))  # fmt: skip
    claim = builders.open_claim(
        claim_number="CLM-WALK-1", insurer="平安财险", policy_number="POL-7", currency="CNY",
        reserve_minor=120_000, incident_id="WALK-LATE", source="desk", actor=AGENT,
    )  # fmt: skip
    _publish(
        stack,
        *hall,
        _outage("WALK-SOON", timedelta(minutes=5)),
        _outage("WALK-LATE", timedelta(hours=-1)),
    )
    _publish(stack, claim)  # recorded at a later instant: the as-of control has two


def _publish(stack: Ledger, *events: Envelope) -> None:
    lines = "".join(msgspec.json.encode(e).decode() + "\n" for e in events)
    assert stack.run("publish", "-", stdin=lines).returncode == 0


def _pinned_key(stack: Ledger) -> str:
    return str(note.parse_signer((stack.data_dir / DEV_KEY).read_text().strip()).verifier())


def _settled(page: Page) -> None:
    """Until the losses page lists the claim: everything published is projected."""
    for _ in range(100):
        page.goto("/console/losses")
        if page.get_by_text("CLM-WALK-1").count():
            return
        page.wait_for_timeout(200)
    raise AssertionError("the claim was never projected")


def test_every_page_by_keyboard_alone(page: Page, stack: Ledger) -> None:
    page.goto("/console/sign-in")
    walk(page)
    tab_to(page, "token")
    page.keyboard.type(secret(stack, "auditor"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")
    _settled(page)
    for path in PAGES:
        page.goto(path)
        walk(page)
        page.goto(path)  # the focus starts again from the top
        skip_to_main(page)
    page.goto("/console/")
    tab_to(page, "中文")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    tab_to(page, "English")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_admin_pages_by_keyboard_alone(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "admin", then="/console/admin")
    for path in ADMIN_PAGES:
        page.goto(path)
        walk(page)
        page.goto(path)
        skip_to_main(page)
    page.goto("/console/admin")
    tab_to(page, "name")
    page.keyboard.type("desk by keyboard")
    page.keyboard.press("Tab")  # the role: typing picks it
    page.keyboard.type("clerk")
    tab_to(page, "Create token")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Token created"))).to_be_visible()


def test_filters_as_of_downloads_and_verify_by_keyboard(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "auditor", then="/console/deadlines")
    tab_to(page, "site")
    page.keyboard.type(HALL)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**site={HALL}*")
    expect(page.get_by_role("link", name="WALK-SOON").first).to_be_visible()
    page.goto("/console/losses")
    tab_to(page, "Download CSV")
    with page.expect_download() as downloading:
        page.keyboard.press("Enter")
    assert "CLM-WALK-1" in downloading.value.path().read_text(encoding="utf-8-sig")
    page.goto("/console/incidents/WALK-LATE")
    tab_to(page, "step")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**step=*")
    tab_to(page, "Verify")
    page.keyboard.press("Enter")
    page.keyboard.type(_pinned_key(stack))  # the key's form opened with the focus in it
    page.keyboard.press("Enter")
    output = page.locator("output[data-verify-result]")
    expect(output).to_have_attribute("data-verify-ok", "true")
    expect(output).to_contain_text("Verified: incident WALK-LATE")


def _in_chinese(page: Page, path: str) -> str:
    page.goto(path)
    fonts_loaded(page)
    text = page.locator("main").inner_text()
    assert not STATES_IN_ENGLISH.search(text), (path, STATES_IN_ENGLISH.findall(text))
    accessible(page)
    screenshots(page, "walk-zh" + (path.removeprefix("/console").replace("/", "-") or "-home"))
    return text


def test_every_page_in_chinese(page: Page, stack: Ledger) -> None:
    chinese = {"name": "ledger_lang", "value": "zh", "url": f"{stack.url}/console"}
    page.context.add_cookies([chinese])  # type: ignore[list-item]
    fonts: list[str] = []
    page.on(
        "request", lambda r: fonts.append(r.url.rsplit("/", 1)[1]) if "/fonts/" in r.url else None
    )
    page.goto("/console/sign-in")
    fonts_loaded(page)
    assert fonts == ["console-words.ttf"]  # the console's own words: the subset alone
    screenshots(page, "walk-zh-sign-in")
    sign_in_zh(page, stack, "admin")
    for path in ADMIN_PAGES:
        _in_chinese(page, path)
    sign_in_zh(page, stack, "auditor")
    for path in PAGES:
        _in_chinese(page, path)
    page.goto("/console/incidents/WALK-LATE")
    page.locator("button[data-verify-bundle]").click()
    form = page.locator("form[data-verify-key-form]")
    expect(form).to_be_visible()
    assert not re.search(
        r"[A-Za-z]{4,}",
        page.locator("[data-verify-key-panel]")
        .inner_text()
        .replace("ledger keys create", "")
        .replace("base64", "")
        .replace("name+keyid", ""),
    )
    form.get_by_role("textbox").fill(_pinned_key(stack))
    form.get_by_role("textbox").press("Enter")
    output = page.locator("output[data-verify-result]")
    expect(output).to_have_attribute("data-verify-ok", "true")
    expect(output).to_contain_text("已验证")
    screenshots(page, "walk-zh-verified")


def sign_in_zh(page: Page, stack: Ledger, role: str) -> None:
    page.goto("/console/sign-in")
    page.locator("input[name=token]").fill(secret(stack, role))
    page.locator("input[name=token]").press("Enter")
    page.wait_for_url("**/console/")
