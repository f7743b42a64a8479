"""The console's frame in a real browser. Given the stack as ``ledger up`` starts it,
when a reader signs in with a development token, then the home page lists what the role
may open, in English or (switched, and remembered) in Chinese rendered with the shipped
font; every page is accessible (axe-core) and nothing is fetched from elsewhere."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.console_driver import accessible, font_used, screenshots, sign_in
from tests.e2e.test_ledger_up import Ledger

# One stack per module: its tests stay on one worker (make test runs --dist loadgroup).
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("test_console_basics")]


def test_the_sign_in_page_is_accessible(page: Page) -> None:
    page.goto("/console/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    accessible(page)
    screenshots(page, "sign-in")


def test_an_auditor_signs_in_and_switches_to_chinese(page: Page, stack: Ledger) -> None:
    sign_in(page, stack, "auditor")
    expect(page.get_by_role("link", name="Incidents").first).to_be_visible()
    accessible(page)
    screenshots(page, "home")
    with page.expect_response("**/console/fonts/console-words.ttf") as font:  # preloaded
        page.get_by_role("link", name="中文").click()
    assert font.value.ok
    expect(page.get_by_role("link", name="事件").first).to_be_visible()
    page.goto("/console/")  # the choice is remembered
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    assert font_used(page, "Noto Sans SC", "事件")
    accessible(page)
    screenshots(page, "home-zh")


def test_a_latin_page_never_loads_the_chinese_font(page: Page, stack: Ledger) -> None:
    fonts: list[str] = []
    page.on("request", lambda r: fonts.append(r.url) if "/fonts/" in r.url else None)
    sign_in(page, stack, "clerk")
    page.wait_for_load_state("networkidle")
    assert {f.rsplit("/", 1)[1] for f in fonts} == {"language-names.ttf"}  # 中文 alone


def test_the_development_sign_in_link_signs_in_with_one_click(page: Page, stack: Ledger) -> None:
    found = re.search(r"Console as auditor: (\S+)", stack.log())
    assert found is not None, stack.log()
    assert found[1].startswith(f"{stack.url}/console/sign-in#token=")
    page.goto(found[1])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert "#token" not in page.url
    expect(page.get_by_text("development auditor (auditor)")).to_be_visible()
