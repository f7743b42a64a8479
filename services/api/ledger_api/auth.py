"""Bearer-token authentication (middleware) and the roles each route admits.

The roles (``ledger token create --role``):

- ``publisher``: ``POST /v1/events``, and the rejections of its own sources;
- ``auditor``: reads everything, personal fields included, and every export;
- ``clerk``: incidents, deadlines, losses, reports and claim packs, with personal fields
  redacted; never raw timelines;
- ``admin``: tokens, the access log and every rejection.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from ledger_api import access_rows, app_state
from ledger_api import token_store as tokens

Principal = tokens.Holder
READERS = ("auditor", "clerk")
ROLES = "roles"  # the key of a route's ``opt`` naming the roles it admits (``roles``)


def header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    """One header (``name`` in lower case), read from the raw headers of the scope:
    ``connection.headers`` would build a mapping of them all on every request."""
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class BearerAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        given = header(connection.scope["headers"], b"authorization") or ""
        scheme, _, secret = given.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer …)")
        state = app_state.of(connection)
        known, pool = state.known_tokens, state.pool

        async def lookup() -> Principal | None:
            async with pool.acquire() as conn:
                return await tokens.holder_of(conn, secret.strip())

        digest = tokens.hash_token(secret.strip())
        holder = await known.holder(digest, lookup)
        if holder is None:
            await _log_revoked(connection, digest)
            raise NotAuthorizedException("the bearer token is unknown or revoked")
        try:
            _admit(holder, connection.scope["route_handler"].opt)
        except PermissionDeniedException:
            await _log_refused(connection, holder, 403)
            raise
        return AuthenticationResult(user=holder, auth=secret)


async def _log_refused(
    connection: ASGIConnection[Any, Any, Any, Any], holder: Principal, status: int
) -> None:
    """An audited read refused is in the access log too: who tried what, and the status."""
    what = access_rows.audited(connection)
    if what is not None:
        row = access_rows.row(holder, connection, *what)
        await app_state.of(connection).access_writer.record(row, status)


async def _log_revoked(connection: ASGIConnection[Any, Any, Any, Any], digest: bytes) -> None:
    """A revoked token's attempt at an audited read is logged as its holder's (401). An
    unknown token names no one, and anyone can send one: it is not written to the access
    log, which is append-only and kept for ever."""
    if access_rows.audited(connection) is not None:
        revoked = await access_rows.revoked_holder(app_state.of(connection).pool, digest)
        if revoked is not None:
            await _log_refused(connection, revoked, 401)


def roles(*allowed: str) -> dict[str, Any]:
    """A route's ``opt`` admitting ``allowed`` roles, checked by :class:`BearerAuth` once
    the token is known. (Not a Litestar guard: every guard call copies the route handler,
    a tenth of a typical timeline's cost.)"""
    return {ROLES: frozenset(allowed), "roles_named": ", ".join(allowed)}


def _admit(holder: Principal, opt: dict[str, Any]) -> None:
    """Fails closed: a route behind authentication that names no roles admits none."""
    if holder.role not in opt.get(ROLES, ()):
        raise PermissionDeniedException(
            f"role {holder.role!r} may not do this; it needs one of"
            f" {opt.get('roles_named', '(none: the route admits no role)')}"
        )


def sees_personal_data(principal: Principal) -> bool:
    return principal.role == "auditor"
