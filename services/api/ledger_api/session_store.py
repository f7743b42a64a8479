"""The console's sessions: an API token exchanged for a random session id, which the
browser keeps in a cookie and the ledger keeps only as a SHA-256 hash, with its expiry.
A session reads as the token it was opened with (its role, scope and name in the access
log); a revoked token's sessions end with it."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

import asyncpg

from ledger_api.token_store import Holder, Scope

COOKIE = "ledger_session"
LIFETIME = timedelta(hours=8)
"""How long a session lasts from sign-in; the cookie expires with it."""

_HOLDER = """
SELECT t.token_id, t.name, t.role, t.sources, t.organisation_id, t.site_id
FROM console_sessions s JOIN api_tokens t USING (token_id)
WHERE s.session_hash = $1 AND s.expires_at > now() AND t.revoked_at IS NULL
"""


def hash_session(session_id: str) -> bytes:
    return hashlib.sha256(b"session:" + session_id.encode()).digest()


async def open_session(conn: asyncpg.Connection, token_id: uuid.UUID) -> str:
    """A new session for ``token_id``'s holder; the id is handed out once, never stored.
    Sessions already expired are deleted on the way."""
    session_id = secrets.token_urlsafe(32)
    await conn.execute("DELETE FROM console_sessions WHERE expires_at <= now()")
    await conn.execute(
        "INSERT INTO console_sessions (session_hash, token_id, expires_at)"
        " VALUES ($1, $2, now() + $3::interval)",
        hash_session(session_id),
        token_id,
        LIFETIME,
    )
    return session_id


async def holder_of_session(conn: asyncpg.Connection, session_id: str) -> Holder | None:
    """Who a live session reads as, or None (unknown, expired, or its token revoked)."""
    row = await conn.fetchrow(_HOLDER, hash_session(session_id))
    if row is None:
        return None
    org = row["organisation_id"]
    scope = None if org is None else Scope(org, row["site_id"])
    return Holder(row["token_id"], row["name"], row["role"], tuple(row["sources"]), scope)


async def close_session(conn: asyncpg.Connection, session_id: str) -> None:
    await conn.execute(
        "DELETE FROM console_sessions WHERE session_hash = $1", hash_session(session_id)
    )
