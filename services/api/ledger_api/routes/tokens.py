"""Token administration for admins: list, create (the secret is shown once), revoke.
The same as ``ledger token create|list|revoke``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, delete, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.params import JSONBody, PathParameter

from ledger_api import access, examples
from ledger_api import token_store as tokens
from ledger_api.app_state import AppState
from ledger_api.auth import Principal, roles
from ledger_api.problems import problems

Role = Literal["publisher", "auditor", "clerk", "admin"]
_INFO = {"token_id": "0b6f…", "name": "claims desk", "role": "clerk",
         "created_at": "2026-11-22T03:00:00Z", "revoked_at": None}  # fmt: skip


class NewToken(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    role: Role
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    # The sources a publisher may publish as (required for publishers, none for others).
    sources: Annotated[list[str], msgspec.Meta(max_length=tokens.MAX_SOURCES)] = msgspec.field(
        default_factory=list
    )
    # The scope: an organisation, and optionally one of its sites (none: unscoped).
    organisation_id: str | None = None
    site_id: str | None = None


def _unscoped(who: Principal) -> None:
    """Tokens are administered by unscoped admins only: a scoped one could otherwise make
    itself a token wider than its own."""
    if who.scope is not None:
        raise PermissionDeniedException("a token scoped to an organisation administers no tokens")


class Created(msgspec.Struct, frozen=True):
    token: tokens.TokenInfo
    secret: str  # shown this once; only its hash is stored


class Tokens(msgspec.Struct, frozen=True):
    items: list[tokens.TokenInfo]


@get("/v1/tokens", opt=roles("admin"), tags=["tokens"], summary="Every token",
     responses=problems(401, 403) | examples.ok(Tokens, {"items": [_INFO]}))  # fmt: skip
async def list_tokens(request: Request[Principal, Any, Any], state: AppState) -> Tokens:
    _unscoped(request.user)
    async with state.pool.acquire() as conn:
        return Tokens(await tokens.listing(conn))


@post("/v1/tokens", opt=roles("admin"), tags=["tokens"], summary="A new token",
      responses=problems(400, 401, 403))  # fmt: skip
async def create_token(
    request: Request[Principal, Any, Any], state: AppState, data: JSONBody[NewToken]
) -> Created:
    _unscoped(request.user)
    try:
        sources = tokens.check_sources(data.role, tuple(data.sources))
        scope = tokens.check_scope(data.organisation_id, data.site_id)
    except ValueError as exc:
        raise ValidationException(str(exc)) from None
    async with state.pool.acquire() as conn:
        info, secret = await tokens.create(
            conn, role=data.role, name=data.name, sources=sources, scope=scope
        )
        await access.record(conn, request, "token_create", str(info.token_id), status=201)
    return Created(info, secret)


@delete("/v1/tokens/{token_id:uuid}", opt=roles("admin"), tags=["tokens"],
        summary="Revoke a token", responses=problems(401, 403, 404))  # fmt: skip
async def revoke_token(
    request: Request[Principal, Any, Any],
    state: AppState,
    token_id: Annotated[uuid.UUID, PathParameter(description="the token's id")],
) -> None:
    _unscoped(request.user)
    async with state.pool.acquire() as conn:
        if not await tokens.revoke(conn, token_id):
            raise NotFoundException(f"no active token {token_id}")
        await access.record(conn, request, "token_revoke", str(token_id), status=204)
