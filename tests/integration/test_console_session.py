"""The console's sign-in. Given an API token, when a browser posts it on the sign-in form
(with the form's CSRF token), then it gets a session cookie (HttpOnly, SameSite=Strict,
expiring) that opens the console's pages and the API's reads as that token, never the
API's writes; without the CSRF token the form is refused; signing out ends the session."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from nats.aio.client import Client

from ledger_api import token_store as tokens
from ledger_api.app import create_app
from plumbing import db
from tests.integration.test_api import http

pytestmark = pytest.mark.integration
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
async def browser(pool: asyncpg.Pool, nc: Client) -> AsyncIterator[httpx.AsyncClient]:
    async with http(create_app(pool, nc, db.head_revision())) as client:
        yield client


async def token(pool: asyncpg.Pool, role: str) -> str:
    async with pool.acquire() as conn:
        return (await tokens.create(conn, role=role, name=f"console {role}"))[1]


async def sign_in(client: httpx.AsyncClient, secret: str) -> httpx.Response:
    """The sign-in form fetched, filled in and posted, as a browser does."""
    form = await client.get("/console/sign-in")
    csrf = _CSRF.search(form.text)
    assert csrf is not None, form.text
    return await client.post(
        "/console/sign-in", data={"token": secret, "_csrf_token": csrf[1], "next": "/console/"}
    )


async def test_a_token_signs_in_to_a_session_that_reads_as_it(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    answer = await sign_in(browser, await token(pool, "auditor"))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "ledger_session=" in c)
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "max-age=28800" in lowered
    assert "secure" not in lowered  # plain HTTP here; over HTTPS the cookie is Secure
    home = await browser.get("/console/")
    assert home.status_code == 200
    assert "/console/incidents" in home.text
    read = await browser.get("/v1/audit/checkpoints/latest")
    assert read.status_code == 404, read.text  # let in: no checkpoint signed yet


async def test_an_unknown_token_is_told_so(browser: httpx.AsyncClient) -> None:
    answer = await sign_in(browser, "led_nope")
    assert answer.status_code == 401
    assert "unknown or revoked" in answer.text


async def test_the_sign_in_form_without_its_csrf_token_is_refused(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await browser.get("/console/sign-in")  # the CSRF cookie is set, the form field missing
    answer = await browser.post("/console/sign-in", data={"token": await token(pool, "clerk")})
    assert answer.status_code == 403
    assert "not sent from a page of this console" in answer.text
    assert "ledger_session" not in browser.cookies


async def test_a_session_never_writes_to_the_api(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await sign_in(browser, await token(pool, "admin"))
    answer = await browser.post("/v1/tokens", json={"role": "auditor", "name": "x"})
    assert answer.status_code == 401


async def test_without_a_session_a_page_sends_the_reader_to_sign_in(
    browser: httpx.AsyncClient,
) -> None:
    answer = await browser.get("/console/?from=mail")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in?next=/console%3Ffrom%3Dmail"


async def test_signing_out_ends_the_session(browser: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await sign_in(browser, await token(pool, "clerk"))
    session = browser.cookies["ledger_session"]
    page = await browser.get("/console/")
    csrf = _CSRF.search(page.text)
    assert csrf is not None
    out = await browser.post("/console/sign-out", data={"_csrf_token": csrf[1]})
    assert out.status_code == 303
    assert out.headers["location"] == "/console/sign-in"
    assert "ledger_session" not in browser.cookies
    browser.cookies.set("ledger_session", session)  # the old cookie, replayed
    assert (await browser.get("/console/")).status_code == 303
    assert await pool.fetchval("SELECT count(*) FROM console_sessions") == 0


async def test_revoking_the_token_ends_its_sessions(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, nc: Client
) -> None:
    secret = await token(pool, "auditor")
    await sign_in(browser, secret)
    async with pool.acquire() as conn:
        holder = await tokens.holder_of(conn, secret)
        assert holder is not None
        assert await tokens.revoke(conn, holder.token_id)
    # another API instance (no token trusted from before) reads the same cookie
    async with http(create_app(pool, nc, db.head_revision())) as elsewhere:
        elsewhere.cookies.set("ledger_session", browser.cookies["ledger_session"])
        assert (await elsewhere.get("/console/")).status_code == 303
        assert (await elsewhere.get("/v1/audit/checkpoints/latest")).status_code == 401
