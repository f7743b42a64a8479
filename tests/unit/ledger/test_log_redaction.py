"""No secret survives into a log line: tokens, passwords in URLs and key/values, signer key
material, and the local variables of a failing frame."""

from __future__ import annotations

import io
import logging
import string

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from ledger_verify import note

from ledger_api import token_store as tokens
from plumbing import logs as ledger_logging
from plumbing.log_redaction import MASK, redact_secrets, scrub
from plumbing.settings import LogSettings

pytestmark = pytest.mark.unit

_SECRET_CHARS = string.ascii_letters + string.digits + "-_.~%!*"
secret = st.text(_SECRET_CHARS, min_size=8, max_size=40).filter(lambda s: s.strip("-_.~%!*"))
prose = st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)


def _forms(token: str, password: str, user: str) -> list[str]:
    key = str(note.generate("ledger.example/log"))
    return [
        f"Authorization: Bearer {token}",
        f"headers=[(b'authorization', b'Bearer {token}')]",
        f'{{"authorization": "Bearer {token}"}}',
        f"Authorization: Basic {password}",
        f"postgresql://{user}:{password}@127.0.0.1:5432/ledger",
        f"nats://{user}:{password}@nats-1:4222,nats://{user}:{password}@nats-2:4222",
        f"password={password}",
        f"PGPASSWORD='{password}'",
        f'"db_password": "{password}"',
        f"dsn host=db user={user} password={password} dbname=ledger",
        f"seed=b'{password}'",
        f"key {key} loaded",
        f"token={token}",
    ]


@given(
    token=st.builds(lambda: tokens.new_secret()) | secret.map(lambda s: "led_" + s),
    password=secret.map(lambda s: "P" + s),  # never inside the (lower-case) user name
    user=st.text(string.ascii_lowercase, min_size=1, max_size=12),
    before=prose,
    after=prose,
)
def test_a_secret_embedded_in_any_text_never_survives(
    token: str, password: str, user: str, before: str, after: str
) -> None:
    for form in _forms(token, password, user):
        line = scrub(f"{before} {form} {after}")
        if password not in before + after:
            assert password not in line, form
        if token not in before + after:
            assert token not in line, form
        assert "PRIVATE+KEY+ledger" not in line


def test_a_signer_key_never_shows_its_seed() -> None:
    signer = note.generate("ledger.example/log")
    assert signer.seed.hex() not in repr(signer)
    assert repr(signer.seed) not in repr(signer)
    assert str(signer) not in scrub(f"loaded {signer!s} and {signer!r}")


def test_values_under_secret_keys_are_masked_whole_and_the_rest_kept() -> None:
    given_event = {
        "event": "connect to postgresql://ledger:hunter2hunter2@db/ledger",
        "password": "anything at all",
        "token": "led_abc",
        "token_name": "claims desk",
        "nested": {"Authorization": "Bearer whatever-it-is", "count": 3},
        "position": 17,
    }
    cleaned = redact_secrets(None, "info", given_event)
    assert cleaned["event"] == f"connect to postgresql://ledger:{MASK}@db/ledger"
    assert cleaned["password"] == cleaned["token"] == MASK
    assert cleaned["token_name"] == "claims desk"
    assert cleaned["nested"] == {"Authorization": MASK, "count": 3}
    assert cleaned["position"] == 17


def test_prose_about_tokens_is_left_readable() -> None:
    text = "a bearer token is required (Authorization header); 3 tokens listed"
    assert scrub("a bearer token is required") == "a bearer token is required"
    assert "3 tokens listed" in scrub(text)


@pytest.mark.parametrize("form", ["json", "console"])
def test_a_logged_traceback_has_no_frame_locals_and_no_secret(
    form: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a failing function holding a token, a password and the signer in its locals,
    when its exception is logged (by structlog and by a third-party stdlib logger), then
    the output has the traceback but none of them."""
    buffer = io.StringIO()
    monkeypatch.setattr("sys.stderr", buffer)
    ledger_logging.configure(LogSettings(level="info", format=form))
    token, signer = tokens.new_secret(), note.generate("ledger.example/log")
    password = "pw-" + token[-12:]

    def handler(authorization: str, key: note.Signer) -> None:
        database_url = f"postgresql://ledger:{password}@db/ledger"
        raise RuntimeError(f"cannot reach {database_url}")

    try:
        handler(f"Bearer {token}", signer)
    except RuntimeError:
        structlog.get_logger("ledger.test").exception("request failed")
        logging.getLogger("uvicorn.error").exception("ASGI callable failed")
    out = buffer.getvalue()
    assert "cannot reach" in out  # the traceback is there
    assert "handler" in out
    for leaked in (token, password, signer.seed.hex(), str(signer), "database_url ="):
        assert leaked not in out, leaked
    assert out.count(MASK) >= 2
    logging.getLogger().handlers.clear()
