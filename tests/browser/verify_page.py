"""A real Chromium (Debian's, driven by Playwright) with the console's verifier loaded in a
page of its own, and bundles moved between their two forms.

The page is served from ``http://localhost`` (fulfilled by Playwright, nothing listens):
localhost is a secure context, where the browser offers WebCrypto."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from ledger_verify import canonical
from playwright.async_api import Browser, Page, Route, async_playwright

from tests.unit.verify.ledgers import rezip

CHROMIUM = Path("/usr/bin/chromium")
STATIC = Path(__file__).parents[2] / "services/api/ledger_api/console/static/verify"
VERIFY_JS, VERIFY_UI_JS = STATIC / "verify.js", STATIC / "verify-ui.js"
ORIGIN = "http://localhost"
BLANK = f"{ORIGIN}/verify-test/"

if not CHROMIUM.exists():  # pragma: no cover - the browser tier needs Debian's chromium
    pytest.skip(f"browser tier skipped: no Chromium at {CHROMIUM}", allow_module_level=True)

Handler = Callable[[Route], Awaitable[None]]


async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        await browser.close()


async def verifier_page(browser: Browser, html: str = "", routes: Handler | None = None) -> Page:
    """A page at ``BLANK`` holding ``html`` with verify.js loaded; every other request to
    the origin goes to ``routes`` (and any request elsewhere fails the page)."""
    page = await browser.new_page()

    async def serve(route: Route) -> None:
        if route.request.url == BLANK:
            await route.fulfill(body=f"<!doctype html><title>verify</title>{html}",
                                content_type="text/html")  # fmt: skip
        elif routes is not None and route.request.url.startswith(ORIGIN + "/"):
            await routes(route)
        else:
            await route.abort()

    await page.route("**/*", serve)
    await page.goto(BLANK)
    assert await page.evaluate("window.isSecureContext")
    await page.add_script_tag(path=str(VERIFY_JS))
    return page


async def verify(page: Page, bundle: dict[str, Any] | str, key: str) -> dict[str, Any]:
    """``LedgerVerify.verifyBundle`` run in the page."""
    result: dict[str, Any] = await page.evaluate(
        "([bundle, key]) => LedgerVerify.verifyBundle(bundle, key)", [bundle, key]
    )
    return result


def zip_of(doc: dict[str, Any]) -> bytes:
    """The bundle zip ``ledger-verify`` reads, member for member from the JSON form (so an
    edit to one is the same edit to the other)."""
    entries = doc["records"]

    def lines(values: list[Any]) -> bytes:
        return b"".join(canonical.encode(v) + b"\n" for v in values)

    return rezip({
        "manifest.json": canonical.encode(doc["manifest"]) + b"\n",
        "checkpoint": doc["checkpoint"].encode(),
        "completeness": doc["completeness"].encode(),
        "records.ndjson": b"".join(base64.b64decode(e["record"]) + b"\n" for e in entries),
        "proofs.ndjson": lines([{"position": e["position"], "proof": e["proof"]} for e in entries]),
        "columns.ndjson": lines([e["columns"] for e in entries]),
    })  # fmt: skip


def copy(doc: dict[str, Any]) -> dict[str, Any]:
    edited: dict[str, Any] = json.loads(json.dumps(doc))
    return edited
