"""What the browser tests do again and again: sign in as a role, save a page's
screenshots at desktop and phone widths, and run axe-core on it."""

from __future__ import annotations

import json
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.test_ledger_up import Ledger

ARTIFACTS = Path(__file__).with_name("artifacts")
WIDTHS = {"desktop": 1280, "phone": 390}
_axe = Axe()


def secret(stack: Ledger, role: str) -> str:
    tokens: dict[str, str] = json.loads((stack.data_dir / "dev-tokens.json").read_text())
    return tokens[role]


def sign_in(page: Page, stack: Ledger, role: str, then: str = "/console/") -> None:
    """Through the sign-in form, as a person does."""
    page.goto(f"/console/sign-in?next={then}")
    page.get_by_label("API token").fill(secret(stack, role))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{then}*")


def screenshots(page: Page, name: str) -> None:
    """``name``-desktop.png and ``name``-phone.png under ``tests/browser/artifacts/``; at
    each width the page fits (no sideways scrolling: wide tables scroll in their box)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    height = page.viewport_size["height"] if page.viewport_size else 900
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, label)
        page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": height})


def fonts_loaded(page: Page, seconds: float = 30) -> None:
    """Until no font of the page is loading (polled from here: the page's CSP forbids the
    string evaluation ``wait_for_function`` does in the page)."""
    for _ in range(int(seconds * 10)):
        if page.evaluate("document.fonts.status") == "loaded":
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{page.url}: fonts still loading after {seconds} s")


def font_used(page: Page, family: str, text: str) -> bool:
    """Whether ``family`` is loaded and draws ``text`` on the page."""
    script = '([f, t]) => document.fonts.load(`16px "${f}"`, t).then(faces => faces.length > 0'
    script += " && faces.every(face => face.status === 'loaded'))"
    return bool(page.evaluate(script, [family, text]))


def accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it stands."""
    results = _axe.run(page)
    grave = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not grave, "\n".join(grave)
