"""API bearer tokens: random secrets handed out once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

import asyncpg
import msgspec

ROLES = ("publisher", "auditor", "clerk", "admin")
PREFIX = "led_"


class TokenInfo(msgspec.Struct, frozen=True):
    token_id: uuid.UUID
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)


async def create(
    conn: asyncpg.Connection, *, role: str, name: str, secret: str | None = None
) -> tuple[TokenInfo, str]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    secret = secret or new_secret()
    row = await conn.fetchrow(
        "INSERT INTO api_tokens (token_id, name, role, token_hash) VALUES ($1, $2, $3, $4) "
        "RETURNING token_id, name, role, created_at, revoked_at",
        uuid.uuid4(),
        name,
        role,
        hash_token(secret),
    )
    return msgspec.convert(dict(row), TokenInfo), secret


async def ensure(conn: asyncpg.Connection, *, role: str, name: str, secret: str) -> None:
    """Register ``secret`` unless its hash is already known (the dev token across restarts)."""
    known = await conn.fetchval(
        "SELECT 1 FROM api_tokens WHERE token_hash = $1", hash_token(secret)
    )
    if not known:
        await create(conn, role=role, name=name, secret=secret)


async def listing(conn: asyncpg.Connection) -> list[TokenInfo]:
    rows = await conn.fetch(
        "SELECT token_id, name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at"
    )
    return [msgspec.convert(dict(r), TokenInfo) for r in rows]


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
        "SELECT token_id, name, role FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_token(secret),
    )
    return None if row is None else Holder(row["token_id"], row["name"], row["role"])
