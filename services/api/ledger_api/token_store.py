"""API bearer tokens: random secrets handed out once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import datetime

import asyncpg
import msgspec

from contracts.types import TOKEN_PATTERN

ROLES = ("publisher", "auditor", "clerk", "admin")
PREFIX = "led_"
MAX_SOURCES = 64  # what one append request to the sequencer carries with its events
_SOURCE = re.compile(TOKEN_PATTERN)
_COLUMNS = "token_id, name, role, created_at, revoked_at, sources"


class TokenInfo(msgspec.Struct, frozen=True):
    token_id: uuid.UUID
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    sources: tuple[str, ...] = ()  # the sources a publisher token may publish as


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def check_sources(role: str, sources: tuple[str, ...]) -> tuple[str, ...]:
    """The sources, sorted and unique, if ``role`` may have them: a publisher names at
    least one (each a NATS subject token, as an envelope's ``source`` is), others none."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if role != "publisher" and sources:
        raise ValueError(f"only publisher tokens name sources; a {role} token publishes none")
    if role == "publisher" and not sources:
        raise ValueError("a publisher token names the sources it may publish as (--source)")
    if len(set(sources)) > MAX_SOURCES:
        raise ValueError(f"{len(set(sources))} sources; a token names at most {MAX_SOURCES}")
    for source in sources:
        if not _SOURCE.match(source):
            raise ValueError(f"source {source!r} is not 1-64 of A-Z, a-z, 0-9, _ and -")
    return tuple(sorted(set(sources)))


async def create(
    conn: asyncpg.Connection,
    *,
    role: str,
    name: str,
    secret: str | None = None,
    sources: tuple[str, ...] = (),
) -> tuple[TokenInfo, str]:
    """A new token; ``ValueError`` naming what is wrong with ``role`` and ``sources``."""
    sources = check_sources(role, sources)
    secret = secret or new_secret()
    row = await conn.fetchrow(
        "INSERT INTO api_tokens (token_id, name, role, token_hash, sources)"
        f" VALUES ($1, $2, $3, $4, $5) RETURNING {_COLUMNS}",
        uuid.uuid4(),
        name,
        role,
        hash_token(secret),
        list(sources),
    )
    return _info(row), secret


def _info(row: asyncpg.Record) -> TokenInfo:
    return msgspec.convert({**row, "sources": tuple(row["sources"])}, TokenInfo)


async def ensure(
    conn: asyncpg.Connection, *, role: str, name: str, secret: str, sources: tuple[str, ...] = ()
) -> None:
    """Register ``secret`` unless its hash is already known (the dev token across restarts);
    a known one gets ``sources`` (a token made before tokens named sources)."""
    known = await conn.fetchval(
        "UPDATE api_tokens SET sources = $2 WHERE token_hash = $1 RETURNING 1",
        hash_token(secret),
        list(check_sources(role, sources)),
    )
    if not known:
        await create(conn, role=role, name=name, secret=secret, sources=sources)


async def listing(conn: asyncpg.Connection) -> list[TokenInfo]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM api_tokens ORDER BY created_at")
    return [_info(r) for r in rows]


async def revoke(conn: asyncpg.Connection, token_id: uuid.UUID) -> bool:
    status = await conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1 AND revoked_at IS NULL",
        token_id,
    )
    return bool(status.endswith("1"))


class Holder(msgspec.Struct, frozen=True):
    """Who presented a token: what the API authorises and the access log records."""

    token_id: uuid.UUID
    name: str
    role: str
    sources: tuple[str, ...] = ()  # the sources a publisher token may publish as


async def holder_of(conn: asyncpg.Connection, secret: str) -> Holder | None:
    row = await conn.fetchrow(
        "SELECT token_id, name, role, sources FROM api_tokens"
        " WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_token(secret),
    )
    if row is None:
        return None
    return Holder(row["token_id"], row["name"], row["role"], tuple(row["sources"]))
