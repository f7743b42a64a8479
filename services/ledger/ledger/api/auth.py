"""Bearer-token authentication (middleware) and role guards.

The roles (``ledger token create --role``):

- ``publisher``: ``POST /v1/events`` only;
- ``auditor``: reads everything, personal fields included, and every export;
- ``clerk``: incidents, deadlines, losses, reports and claim packs, with personal fields
  redacted; never raw timelines;
- ``admin``: tokens and the access log.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from ledger import tokens

Principal = tokens.Holder
READERS = ("auditor", "clerk")
TOKEN_TTL = 2.0
"""Seconds a known token is trusted without asking the database again: a revocation takes
effect on every API instance within this long."""


class KnownTokens:
    """Tokens recently found valid, by secret hash; bounded, each for ``TOKEN_TTL``."""

    def __init__(self, size: int = 10_000) -> None:
        self.size, self._known = size, dict[bytes, tuple[Principal, float]]()

    def get(self, digest: bytes) -> Principal | None:
        found = self._known.get(digest)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, digest: bytes, holder: Principal) -> None:
        if len(self._known) >= self.size:
            self._known.clear()
        self._known[digest] = (holder, time.monotonic() + TOKEN_TTL)


class BearerAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer …)")
        known: KnownTokens = connection.app.state.known_tokens
        digest = tokens.hash_token(secret.strip())
        holder = known.get(digest)
        if holder is None:
            async with connection.app.state.pool.acquire() as conn:
                holder = await tokens.holder_of(conn, secret.strip())
            if holder is None:
                raise NotAuthorizedException("the bearer token is unknown or revoked")
            known.put(digest, holder)
        return AuthenticationResult(user=holder, auth=secret)


def roles(*allowed: str) -> Any:
    """A guard admitting ``allowed`` roles. (A coroutine: Litestar would run a plain
    function in a worker thread on every request.)"""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.user.role not in allowed:
            raise PermissionDeniedException(
                f"role {connection.user.role!r} may not do this; it needs one of "
                f"{', '.join(allowed)}"
            )

    return guard


def sees_personal_data(principal: Principal) -> bool:
    return principal.role == "auditor"
