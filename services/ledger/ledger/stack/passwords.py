"""Passwords the embedded servers are started with: generated at first start, kept in the
data directory in a file only its owner can read, and the same at every later start."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path

import msgspec

from ledger.paths import write_private


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
