"""Bearer-token authentication (middleware) and role guards.

The roles (``ledger token create --role``):

- ``publisher``: ``POST /v1/events`` only;
- ``auditor``: reads everything, personal fields included, and every export;
- ``clerk``: incidents, deadlines, losses, reports and claim packs, with personal fields
  redacted; never raw timelines;
- ``admin``: tokens and the access log.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from ledger import tokens

Principal = tokens.Holder
READERS = ("auditor", "clerk")


class BearerAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer …)")
        async with connection.app.state.pool.acquire() as conn:
            holder = await tokens.holder_of(conn, secret.strip())
        if holder is None:
            raise NotAuthorizedException("the bearer token is unknown or revoked")
        return AuthenticationResult(user=holder, auth=secret)


def roles(*allowed: str) -> Any:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.user.role not in allowed:
            raise PermissionDeniedException(
                f"role {connection.user.role!r} may not do this; it needs one of "
                f"{', '.join(allowed)}"
            )

    return guard


def sees_personal_data(principal: Principal) -> bool:
    return principal.role == "auditor"
