"""Given the owner's database URL, each service's URL logs in as its own role with its own
password, whatever characters the password holds, to the same server and database; and
the embedded servers' passwords are made once, kept private, and never remade."""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing import db, passwords

pytestmark = pytest.mark.unit

OWNER = "postgresql://postgres:owner-secret@127.0.0.1:5439/ledger"
secrets = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


@given(user=secrets, password=secrets)
def test_a_login_survives_any_characters(user: str, password: str) -> None:
    parts = urlsplit(db.with_login(OWNER, user, password))
    assert (unquote(parts.username or ""), unquote(parts.password or "")) == (user, password)
    assert (parts.hostname, parts.port, parts.path) == ("127.0.0.1", 5439, "/ledger")


def test_each_service_logs_in_as_its_role() -> None:
    logins = {role: f"pw-{role}" for role in db.SERVICE_ROLES.values()}
    urls = db.service_urls(OWNER, logins)
    assert set(urls) == {"ingest", "projector", "signer", "api"}
    for service, url in urls.items():
        parts = urlsplit(url)
        assert parts.username == db.SERVICE_ROLES[service]
        assert parts.password == f"pw-{db.SERVICE_ROLES[service]}"
        assert "owner-secret" not in url


def test_without_logins_every_service_keeps_the_url() -> None:
    assert set(db.service_urls(OWNER, {}).values()) == {OWNER}


def test_the_projector_acts_as_its_role_whoever_logs_in() -> None:
    url = db.projector_url(OWNER + "?sslmode=disable")
    assert parse_qs(urlsplit(url).query) == {"sslmode": ["disable"], "role": ["ledger_projector"]}


def test_passwords_are_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "passwords.json"
    first, made = passwords.load(path, ("postgres", "ledger_api"))
    assert made == {"postgres", "ledger_api"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, made_again = passwords.load(path, ("postgres", "ledger_api", "ledger_ingest"))
    assert made_again == {"ledger_ingest"}
    assert {k: again[k] for k in first} == first
    assert all(p[0].isalpha() and len(p) >= 32 for p in again.values())  # NATS reads a string
