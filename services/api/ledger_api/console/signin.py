"""Signing in and out: an API token posted once is exchanged for a session cookie
(HttpOnly, SameSite=Strict, Secure over HTTPS, expiring with the session); signing out
deletes the session. Both forms carry the CSRF token (checked by Litestar's CSRF
middleware before these handlers run)."""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from ledger_api import app_state, session_store
from ledger_api import token_store as tokens
from ledger_api.auth import roles
from ledger_api.console.rendering import page
from ledger_api.token_store import ROLES

HOME = "/console/"
SIGN_IN = "/console/sign-in"


_OURS = re.compile(r"^/console(?:[/?][^\\]*)?$")


class SignIn(msgspec.Struct, frozen=True):
    token: str = ""
    next: str = HOME


def onward(target: str | None) -> str:
    """``target`` if it is a console page of this server, else the console's home: a link
    never sends a reader elsewhere after signing in."""
    return target if target and _OURS.match(target) else HOME


@get(SIGN_IN, include_in_schema=False)
async def sign_in_form(
    request: Request[Any, Any, Any], next: FromQuery[str | None] = None
) -> Template:
    return page(request, "sign_in.html", next=onward(next), failed=False)


@post(SIGN_IN, include_in_schema=False, status_code=303)
async def sign_in(
    request: Request[Any, Any, Any],
    data: Annotated[SignIn, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect | Template:
    pool = app_state.of(request).pool
    async with pool.acquire() as conn:
        holder = await tokens.holder_of(conn, data.token.strip()) if data.token else None
        if holder is None or holder.role not in ROLES:
            return page(request, "sign_in.html", 401, next=onward(data.next), failed=True)
        session = await session_store.open_session(conn, holder.token_id)
    cookie = Cookie(
        key=session_store.COOKIE,
        value=session,
        path="/",
        max_age=int(session_store.LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return Redirect(onward(data.next), status_code=303, cookies=[cookie])


@post("/console/sign-out", include_in_schema=False, status_code=303, opt=roles(*ROLES))
async def sign_out(request: Request[Any, Any, Any]) -> Redirect:
    session = request.cookies.get(session_store.COOKIE, "")
    state = app_state.of(request)
    async with state.pool.acquire() as conn:
        await session_store.close_session(conn, session)
    state.known_tokens.forget(session_store.hash_session(session))
    gone = Cookie(key=session_store.COOKIE, value="", path="/", max_age=0, httponly=True,
                  samesite="strict", secure=request.url.scheme == "https")  # fmt: skip
    return Redirect(SIGN_IN, status_code=303, cookies=[gone])
