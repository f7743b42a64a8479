"""Administration in the console, for unscoped admins as in the API: tokens (list, create
with a role, sources and scope, the secret shown this once; revoke) and the access log
with its filters. Each form carries its CSRF token; the work is the API's own handlers'
(``routes.tokens``, ``access.access_log``), so the checks and the access log are theirs."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from ledger_api import access, app_state
from ledger_api import token_store as tokens
from ledger_api.auth import roles
from ledger_api.console.rendering import page
from ledger_api.routes import tokens as token_routes

PATH = "/console/admin"
Text = Annotated[str | None, QueryParameter(max_length=200)]


def _new_token(form: dict[str, str]) -> token_routes.NewToken:
    """The form as the API's request: sources one per comma, empty fields left out."""
    sources = [s.strip() for s in form.get("sources", "").split(",") if s.strip()]
    fields = {k: form.get(k, "").strip() for k in ("role", "name", "organisation_id", "site_id")}
    asked = {k: v for k, v in fields.items() if v} | {"sources": sources}
    try:
        return msgspec.convert(asked, token_routes.NewToken)
    except msgspec.ValidationError as exc:
        raise ValidationException(str(exc)) from None


async def _tokens(request: Request[Any, Any, Any], **context: Any) -> Template:
    listed = await token_routes.list_tokens.fn(request, app_state.of(request))
    status = context.pop("status_code", 200)
    shown = {"created": None, "problem": None, "form": {}} | context
    return page(request, "admin.html", status, tokens=listed.items, roles=tokens.ROLES, **shown)


@get(PATH, include_in_schema=False, opt=roles("admin"))
async def admin(request: Request[Any, Any, Any]) -> Template:
    return await _tokens(request)


@post(f"{PATH}/tokens", include_in_schema=False, opt=roles("admin"), status_code=201)
async def create(request: Request[Any, Any, Any]) -> Template:
    """The new token's secret, shown on this answer only; a refused form comes back with
    what was wrong and what was typed."""
    form = dict((await request.form()).items())
    form.pop("_csrf_token", None)
    try:
        made = await token_routes.create_token.fn(
            request, app_state.of(request), data=_new_token(form)
        )
    except ValidationException as exc:
        return await _tokens(request, problem=exc.detail, form=form, status_code=400)
    return await _tokens(request, created=made, status_code=201)


@post(f"{PATH}/tokens/{{token_id:uuid}}/revoke", include_in_schema=False, opt=roles("admin"))
async def revoke(request: Request[Any, Any, Any], token_id: uuid.UUID) -> Redirect:
    await token_routes.revoke_token.fn(request, app_state.of(request), token_id)
    return Redirect(PATH, status_code=303)


@get(f"{PATH}/access", include_in_schema=False, opt=roles("admin"))
async def access_log(
    request: Request[Any, Any, Any], action: Text = None, role: Text = None,
    resource: Text = None, since: Text = None, until: Text = None,
    before: Annotated[int | None, QueryParameter(ge=1, le=2**63 - 1)] = None,
) -> Template:  # fmt: skip
    """Newest first, 100 at a time; empty fields are no filter."""
    asked = {"action": action, "role": role, "resource": resource, "since": since,
             "until": until}  # fmt: skip
    found = await access.access_log.fn(
        app_state.of(request), **{k: v or None for k, v in asked.items()}, before=before
    )
    later = {k: v or "" for k, v in asked.items()} | {"before": found.next_before}
    return page(request, "access_log.html", entries=found.items, asked=asked,
                roles=tokens.ROLES, later=later if found.next_before else None)  # fmt: skip
