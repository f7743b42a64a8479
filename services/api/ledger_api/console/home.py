"""The console's home (what the reader's role may open) and the language switch."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from ledger_api.auth import roles
from ledger_api.console import words
from ledger_api.console.rendering import page
from ledger_api.console.sections import nav
from ledger_api.console.signin import onward
from ledger_api.token_store import ROLES

YEAR = 365 * 24 * 3600


@get("/console/", include_in_schema=False, opt=roles(*ROLES))
async def home(request: Request[Any, Any, Any]) -> Template:
    return page(request, "home.html", links=nav(request.user.role))


@get("/console/language", include_in_schema=False)
async def choose_language(
    request: Request[Any, Any, Any], lang: FromQuery[str], next: FromQuery[str | None] = None
) -> Redirect:
    """Remember the language chosen (a cookie) and go back to the page it was chosen on."""
    picked = words.chosen(lang) or words.reader_language(request)
    cookie = Cookie(key=words.COOKIE, value=picked, path="/console", max_age=YEAR,
                    samesite="strict", secure=request.url.scheme == "https")  # fmt: skip
    return Redirect(onward(next), status_code=303, cookies=[cookie])
