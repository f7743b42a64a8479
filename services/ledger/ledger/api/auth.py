"""Bearer-token authentication (middleware) and role guards."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from ledger import tokens


class Principal(msgspec.Struct, frozen=True):
    role: str


class BearerAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer …)")
        async with connection.app.state.pool.acquire() as conn:
            role = await tokens.role_of(conn, secret.strip())
        if role is None:
            raise NotAuthorizedException("the bearer token is unknown or revoked")
        return AuthenticationResult(user=Principal(role), auth=secret)


def roles(*allowed: str) -> Any:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.user.role not in allowed:
            raise PermissionDeniedException(
                f"role {connection.user.role!r} may not do this; it needs one of "
                f"{', '.join(allowed)}"
            )

    return guard
