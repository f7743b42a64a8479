"""A keyboard-only reader: Tab and Shift+Tab through a page, noting every control that
takes the focus and whether it shows it (an outline of at least 2 px, or a shadow)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

CONTROLS = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary,"
    " [tabindex]:not([tabindex='-1'])"
)
_MARK = """sel => {
  const shown = [...document.querySelectorAll(sel)].filter((e) =>
    !e.disabled && e.checkVisibility({ visibilityProperty: true }));
  shown.forEach((e, i) => { e.dataset.kbd = String(i); });
  const said = (e) => (e.textContent || e.name || '').trim().slice(0, 40);
  return shown.map((e) => `${e.tagName.toLowerCase()} ${said(e)}`);
}"""
_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e === document.documentElement) return null;
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
    || s.boxShadow !== 'none';
  return { mark: e.dataset.kbd ?? null, tag: e.tagName.toLowerCase(),
           text: (e.textContent || e.name || e.id || '').trim().slice(0, 40),
           shown: ring, outline: `${s.outlineStyle} ${s.outlineWidth}` };
}"""


def controls(page: Page) -> list[str]:
    """Every visible control of the page (marked ``data-kbd`` with its place)."""
    found: list[str] = page.evaluate(_MARK, CONTROLS)
    return found


def focused(page: Page) -> dict[str, Any] | None:
    found: dict[str, Any] | None = page.evaluate(_FOCUSED)
    return found


def tab_through(page: Page, limit: int = 400) -> list[dict[str, Any]]:
    """From the top of the page, Tab until the focus leaves the page or comes round."""
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    walked: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is None or (walked and now["mark"] == walked[0]["mark"]):
            break
        walked.append(now)
    return walked


def walk(page: Page) -> list[dict[str, Any]]:
    """Given the page as it stands: Tab reaches every control, each showing its focus,
    the first being the skip link; Shift+Tab goes back the same way."""
    every = controls(page)
    walked = tab_through(page)
    reached = {w["mark"] for w in walked}
    missed = [c for i, c in enumerate(every) if str(i) not in reached]
    assert not missed, f"{page.url}: not reachable by Tab: {missed}"
    unshown = [w for w in walked if not w["shown"]]
    assert not unshown, f"{page.url}: focus not visible on {unshown}"
    assert walked[0]["tag"] == "a", walked[0]  # the skip link
    _focus_like(page, walked[-1])
    for back in reversed(walked[-4:-1]):
        page.keyboard.press("Shift+Tab")
        now = focused(page) or {}
        # By what it says: a live page (the board) may have redrawn its rows meanwhile.
        assert (now.get("tag"), now.get("text")) == (back["tag"], back["text"]), (page.url, now)
    return walked


def _focus_like(page: Page, control: dict[str, Any]) -> None:
    """The focus on the last control saying what ``control`` said."""
    page.evaluate(
        """([sel, tag, text]) => [...document.querySelectorAll(sel)].filter((e) =>
          e.tagName.toLowerCase() === tag
          && (e.textContent || e.name || e.id || '').trim().slice(0, 40) === text)
          .at(-1).focus()""",
        [CONTROLS, control["tag"], control["text"]],
    )


def skip_to_main(page: Page) -> None:
    """The skip link, first on the page, takes the focus to the main content."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def tab_to(page: Page, name: str, limit: int = 400) -> None:
    """Tab until the control named ``name`` (its text, name or id) has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is not None and now["text"] == name:
            return
    raise AssertionError(f"{page.url}: Tab never reached {name!r}")
