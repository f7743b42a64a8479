"""The browser tier: the real stack (``ledger up``, as a user starts it) driven by a real
Chromium through Playwright. One stack and one browser per test module; every test gets
a fresh browser context (no cookies) whose requests are watched: any request that leaves
the stack's origin is refused and fails the test.

Chromium comes from the system (Debian's ``chromium``; ``LEDGER_CHROMIUM`` names another
executable); without one, the whole tier is skipped with one reason."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from incident_ledger.stack.process import free_port
from tests.e2e.test_ledger_up import Ledger

CHROMIUM = os.environ.get("LEDGER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
NO_CHROMIUM = (
    f"browser tier skipped: no Chromium at {CHROMIUM} (install Debian's chromium,"
    " or name one in LEDGER_CHROMIUM)"
)
_HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    """``ledger up`` with its development tokens, on a port and data directory of its own."""
    ledger = Ledger(tmp_path_factory.mktemp("stack") / "data", free_port())
    proc = ledger.up()
    try:
        ledger.wait_ready(120)
        yield ledger
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        finally:
            for leftover in ledger.servers():
                leftover.kill()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield browser
        browser.close()


@pytest.fixture
def context(chromium: Browser, stack: Ledger) -> Iterator[BrowserContext]:
    """A browser of its own for one test; it fails on any request outside the stack."""
    context = chromium.new_context(base_url=stack.url, viewport={"width": 1280, "height": 900})
    origin = urlsplit(stack.url)
    elsewhere: list[str] = []

    def watch(route: Route) -> None:
        asked = urlsplit(route.request.url)
        if (asked.scheme, asked.netloc) in (("data", ""), ("blob", "")) or (
            asked.scheme == origin.scheme and asked.netloc == origin.netloc
        ):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", watch)
    yield context
    context.close()
    assert not elsewhere, f"requests left the server's origin: {elsewhere}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
