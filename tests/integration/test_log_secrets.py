"""A 500 writes no secret into the log. Given the ledger's own logging (JSON lines, as under
``--cluster``), a bearer token in the request, the checkpoint signer's key in the app's
state and a database URL with a password, when requests fail with an internal error
(the database pool gone while the token is checked; a handler failing with the signer
and the URL in hand), then the log has the failures and their tracebacks, but not the
token, the password or the key material."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from ledger_verify import note
from litestar import Request, get
from nats.aio.client import Client

from ledger_api import token_store as tokens
from ledger_api.app import create_app
from ledger_api.auth import roles
from plumbing import db
from plumbing import logs as ledger_logging
from plumbing.settings import LogSettings
from tests.integration.test_api import http

pytestmark = pytest.mark.integration
PASSWORD = "Pw-" + tokens.new_secret()[4:20]


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What the services would write to their log file, captured."""
    captured = io.StringIO()
    monkeypatch.setattr("sys.stderr", captured)
    ledger_logging.configure(LogSettings(level="info", format="json"))
    yield captured
    logging.getLogger().handlers.clear()


def _with_password(url: str) -> str:
    """``url`` with a password: its own (the embedded server's), or ``PASSWORD`` for a
    server that trusts loopback connections (the machine's own, in CI)."""
    if urlsplit(url).password:
        return url
    scheme, rest = url.split("://", 1)
    user_host = rest.split("@", 1)[-1]
    return f"{scheme}://postgres:{PASSWORD}@{user_host}"


@get("/v1/failing", opt=roles("clerk"))
async def failing(request: Request[Any, Any, Any]) -> None:
    signer: note.Signer = request.app.state.claim_key
    database_url = _with_password(request.app.state.database_url)
    authorization = request.headers["authorization"]
    raise RuntimeError(f"cannot sign with {signer!r} over {database_url} for {authorization}")


async def test_a_500_logs_the_failure_but_no_token_password_or_key(
    database_url: str, nc: Client, log: io.StringIO
) -> None:
    signer = note.generate("ledger.example/log")
    async with asyncpg.create_pool(_with_password(database_url), min_size=1, max_size=2) as pool:
        async with pool.acquire() as conn:
            _, secret = await tokens.create(conn, role="clerk", name="test clerk")
        app = create_app(pool, nc, db.head_revision(), claim_key=signer)
        app.register(failing)
        app.state.database_url = database_url
        headers = {"Authorization": f"Bearer {secret}"}
        async with http(app) as client:
            failed = await client.get("/v1/failing", headers=headers)
            await pool.close()  # the database gone while the token is looked up
            gone = await client.get("/v1/incidents", headers={"Authorization": f"Bearer {secret}x"})
    assert (failed.status_code, gone.status_code) == (500, 500)
    text = log.getvalue()
    assert text.count('"request failed"') == 2  # both logged, with their tracebacks
    assert "RuntimeError" in text
    assert "InterfaceError" in text
    material = base64.b64encode(bytes([1]) + signer.seed).decode()
    password = urlsplit(_with_password(database_url)).password
    assert password is not None
    for leaked in (secret, password, signer.seed.hex(), material, str(signer), repr(signer.seed)):
        assert leaked not in text, leaked
