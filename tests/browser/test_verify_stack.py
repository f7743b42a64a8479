"""An auditor verifies an incident in the browser against a real ledger (PostgreSQL,
NATS, the ingest, the signer, the API): untouched, the page says it is valid; after a
database superuser edits one record (triggers off), the page, not the server, names it;
with another key pinned, the signatures fail."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from ledger_verify import note
from playwright.async_api import Browser, Page, Route, expect

from tests.browser.verify_page import (
    ORIGIN,
    VERIFY_JS,
    VERIFY_UI_JS,
    chromium,
    verifier_page,
    verify,
)  # fmt: skip
from tests.integration import conftest as integration
from tests.integration import tampering, test_bundles
from tests.integration.test_bundles import KEY, Ledger
from tests.unit.verify.ledgers import members
from tests.unit.verify.test_bundle_json import as_zip_members, zip_members

pytestmark = [pytest.mark.browser, pytest.mark.integration]
PINNED = str(KEY.verifier())
# The integration tier's fixtures: the real stack, and 300 events signed over four incidents.
pool, nc, ingesting, ledger = (
    integration.pool,
    integration.nc,
    integration.ingesting,
    test_bundles.ledger,
)
HTML = """<main><h1>BU-1</h1><section>
<button type="button" data-verify-bundle="BU-1">Verify this incident</button>
<output data-verify-result></output></section></main>"""


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async for launched in chromium():
        yield launched


async def console(browser: Browser, ledger: Ledger) -> Page:
    """A page with the verify button, whose requests go to the API (as the auditor)."""

    async def forward(route: Route) -> None:
        answer = await ledger.client.get(route.request.url.removeprefix(ORIGIN))
        await route.fulfill(status=answer.status_code, body=answer.content,
                            content_type=answer.headers["content-type"])  # fmt: skip

    page = await verifier_page(browser, HTML, forward)
    await page.add_script_tag(path=str(VERIFY_UI_JS))
    return page


async def pin(page: Page, key: str) -> None:
    form = page.locator("form[data-verify-key-form]")
    if not await form.is_visible():
        await page.get_by_role(
            "button", name=re.compile("Pin a verifier key|Change the pinned key")
        ).click()
    await form.get_by_role("textbox").fill(key)
    await form.get_by_role("textbox").press("Enter")


async def test_a_real_bundle_verifies_and_its_json_is_its_zip(
    ledger: Ledger, browser: Browser
) -> None:
    """Given 300 events signed, then the JSON bundle holds what the zip holds and the
    page verifies it against the pinned key."""
    as_json = await ledger.client.get("/v1/incidents/BU-1/bundle?format=json")
    assert as_json.status_code == 200, as_json.text
    assert as_json.headers["content-type"].startswith("application/json")
    as_zip = await ledger.client.get("/v1/incidents/BU-1/bundle")
    doc = json.loads(as_json.content)
    assert as_zip_members(doc) == zip_members(as_zip.content)
    assert members(as_zip.content)  # the zip is still the default
    result = await verify(await verifier_page(browser), as_json.text, PINNED)
    assert result["ok"], result
    assert (result["tree_size"], result["key_id"]) == (300, KEY.key_id.hex())


async def test_the_page_names_the_record_a_superuser_edited(
    ledger: Ledger, browser: Browser, database_url: str
) -> None:
    """Given the verify button and the pinned key, when the auditor verifies, then it is
    valid; when a superuser edits BU-1's 7th record and its hash column, then verifying
    again names that record's position."""
    page = await console(browser, ledger)
    output = page.locator("output[data-verify-result]")
    await page.get_by_role("button", name="Verify this incident").click()
    await pin(page, PINNED)
    await expect(output).to_have_attribute("data-verify-ok", "true")
    await expect(output).to_contain_text("Verified: incident BU-1")
    await expect(page.locator("[data-verify-key-status]")).to_contain_text(KEY.key_id.hex())
    position = await _tamper(database_url)
    await page.reload()  # the pinned key is remembered
    await page.add_script_tag(path=str(VERIFY_JS))
    await page.add_script_tag(path=str(VERIFY_UI_JS))
    await page.get_by_role("button", name="Verify this incident").click()
    await expect(output).to_have_attribute("data-verify-ok", "false")
    await expect(output).to_contain_text(f"the record at position {position}")
    await expect(output).to_contain_text("not in the signed log")


async def test_another_pinned_key_fails_on_the_signature(ledger: Ledger, browser: Browser) -> None:
    page = await console(browser, ledger)
    await pin(page, PINNED[:-2])
    await expect(page.get_by_role("alert")).to_contain_text("not a verifier key")
    await pin(page, str(note.generate("incident-ledger").verifier()))
    await page.get_by_role("button", name="Verify this incident").click()
    output = page.locator("output[data-verify-result]")
    await expect(output).to_have_attribute("data-verify-ok", "false")
    await expect(output).to_contain_text("the checkpoint is not signed by the pinned key")
    await expect(output).to_contain_text(f"the server names key id {KEY.key_id.hex()}")


async def _tamper(database_url: str) -> int:
    owner = await asyncpg.connect(database_url)
    try:
        position: int = await owner.fetchval(
            "SELECT position FROM events WHERE incident_id = 'BU-1' AND version = 7"
        )
        await tampering.unguarded(owner, [tampering._text_edit(position, "step", "STEP")])
        await tampering.rehash(owner, position)
    finally:
        await owner.close()
    return position
