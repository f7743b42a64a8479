"""Bearer-token authentication (middleware) and the roles each route admits.

The roles (``ledger token create --role``):

- ``publisher``: ``POST /v1/events``, and the rejections of its own sources;
- ``auditor``: reads everything, personal fields included, and every export;
- ``clerk``: incidents, deadlines, losses, reports and claim packs, with personal fields
  redacted; never raw timelines;
- ``admin``: tokens, the access log and every rejection.

The console's pages authenticate with a session cookie instead (``session_store``): it
reads as the token it was opened with, on the console's pages and on the API's reads
(GET), never on the API's writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from ledger_api import access_rows, app_state, session_store
from ledger_api import token_store as tokens

Principal = tokens.Holder
READERS = ("auditor", "clerk")
CONSOLE = "/console"
_SAFE = frozenset({"GET", "HEAD"})
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
        given = header(connection.scope["headers"], b"authorization")
        if given is None and (session := _session(connection)) is not None:
            return await _by_session(connection, session)
        scheme, _, secret = (given or "").partition(" ")
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
        await _admitted(connection, holder)
        return AuthenticationResult(user=holder, auth=secret)


def _session(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The console session's id, when the request may use one: a console page, or a read
    of the API (a write to the API takes a bearer token, whatever cookie comes along)."""
    session = connection.cookies.get(session_store.COOKIE)
    if not session:
        return None
    path, method = connection.scope["path"], connection.scope.get("method", "GET")
    return session if method in _SAFE or path.startswith(CONSOLE + "/") else None


async def _by_session(
    connection: ASGIConnection[Any, Any, Any, Any], session: str
) -> AuthenticationResult:
    state = app_state.of(connection)
    pool = state.pool

    async def lookup() -> Principal | None:
        async with pool.acquire() as conn:
            return await session_store.holder_of_session(conn, session)

    holder = await state.known_tokens.holder(session_store.hash_session(session), lookup)
    if holder is None:
        raise NotAuthorizedException("the session has ended; sign in again")
    await _admitted(connection, holder)
    return AuthenticationResult(user=holder, auth=None)


async def _admitted(connection: ASGIConnection[Any, Any, Any, Any], holder: Principal) -> None:
    try:
        _admit(holder, connection.scope["route_handler"].opt)
    except PermissionDeniedException:
        await _log_refused(connection, holder, 403)
        raise


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
