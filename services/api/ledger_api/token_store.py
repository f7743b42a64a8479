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
_COLUMNS = "token_id, name, role, created_at, revoked_at, sources, organisation_id, site_id"
_PROFILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,59}$")  # what an organisation or site id may be


class Scope(msgspec.Struct, frozen=True):
    """What a scoped token covers: one organisation's incidents, or one site's of it.
    A token without a scope covers everything (a single-organisation deployment)."""

    organisation_id: str
    site_id: str | None = None

    def covers(self, organisation_id: str | None, site_id: str | None) -> bool:
        """Whether an incident placed at ``organisation_id``/``site_id`` is in scope (an
        unregistered incident, placed nowhere, is in no scope)."""
        if organisation_id != self.organisation_id:
            return False
        return self.site_id is None or site_id == self.site_id


class TokenInfo(msgspec.Struct, frozen=True):
    token_id: uuid.UUID
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    sources: tuple[str, ...] = ()  # the sources a publisher token may publish as
    organisation_id: str | None = None  # the scope: None for an unscoped token
    site_id: str | None = None


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


def check_scope(organisation_id: str | None, site_id: str | None) -> Scope | None:
    """The scope named, or None (unscoped); ``ValueError`` naming what is wrong."""
    if site_id is not None and organisation_id is None:
        raise ValueError("a site is named with its organisation (--org, organisation_id)")
    for name, value in (("organisation", organisation_id), ("site", site_id)):
        if value is not None and not _PROFILE_ID.match(value):
            raise ValueError(f"{name} {value!r} is not 1-59 of A-Z, a-z, 0-9, _ and -")
    return None if organisation_id is None else Scope(organisation_id, site_id)


async def create(
    conn: asyncpg.Connection,
    *,
    role: str,
    name: str,
    secret: str | None = None,
    sources: tuple[str, ...] = (),
    scope: Scope | None = None,
) -> tuple[TokenInfo, str]:
    """A new token; ``ValueError`` naming what is wrong with ``role`` and ``sources``."""
    sources = check_sources(role, sources)
    secret = secret or new_secret()
    row = await conn.fetchrow(
        "INSERT INTO api_tokens (token_id, name, role, token_hash, sources, organisation_id,"
        f" site_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}",
        uuid.uuid4(),
        name,
        role,
        hash_token(secret),
        list(sources),
        None if scope is None else scope.organisation_id,
        None if scope is None else scope.site_id,
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
    scope: Scope | None = None  # None: unscoped, covers every incident


async def holder_of(conn: asyncpg.Connection, secret: str) -> Holder | None:
    row = await conn.fetchrow(
        "SELECT token_id, name, role, sources, organisation_id, site_id FROM api_tokens"
        " WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_token(secret),
    )
    if row is None:
        return None
    org = row["organisation_id"]
    scope = None if org is None else Scope(org, row["site_id"])
    return Holder(row["token_id"], row["name"], row["role"], tuple(row["sources"]), scope)
