"""Passwords the embedded servers are started with: generated at first start, kept in the
data directory in a file only its owner can read, and the same at every later start."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from pathlib import Path

import msgspec

from plumbing.paths import write_private


def new_password() -> str:
    # NATS parses a variable's value as configuration: a password must read as a string
    # (start with a letter), or the server takes it for a number and stops.
    return f"pw{secrets.token_hex(16)}"


def load(path: Path, names: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """Every name's password from ``path``, making (and saving) the missing ones; also
    the names whose password was made just now."""
    known = msgspec.json.decode(path.read_bytes(), type=dict[str, str]) if path.exists() else {}
    made = {name for name in names if name not in known}
    if made:
        known |= {name: new_password() for name in made}
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, msgspec.json.encode(known))
    return known, made


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """What PostgreSQL stores for a SCRAM-SHA-256 password (RFC 5803), so that a password
    is set without the server ever seeing, or any log of it ever showing, the password."""
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client = hmac.new(salted, b"Client Key", "sha256").digest()
    server = hmac.new(salted, b"Server Key", "sha256").digest()
    stored = hashlib.sha256(client).digest()
    salt_b64, stored_b64, server_b64 = (
        base64.b64encode(b).decode() for b in (salt, stored, server)
    )
    return f"SCRAM-SHA-256${iterations}:{salt_b64}${stored_b64}:{server_b64}"
