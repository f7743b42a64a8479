"""The console as the composition root mounts it: its pages, its assets, the paths that
need no session, the CSRF protection of its forms, and its answers to a missing session
(the sign-in page) or a refused role (a page saying so)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.response import Redirect

from ledger_api.console import (
    assets,
    audit_page,
    desk,
    home,
    incident_list,
    incident_page,
    signin,
)
from ledger_api.console.rendering import page

PUBLIC = (signin.SIGN_IN, "/console/language", assets.STATIC, assets.FONTS)
"""The console's paths that need no session (prefixes)."""
CSRF_COOKIE = "ledger_csrf"


def csrf_config(secret: str, api: tuple[str, ...]) -> CSRFConfig:
    """Double-submit CSRF tokens on the console's forms (``_csrf_token``, signed with
    ``secret``); the API (``api``: its paths' prefixes), authenticated by bearer tokens a
    browser never sends by itself, is left alone."""
    return CSRFConfig(
        secret=secret or secrets.token_hex(32),
        cookie_name=CSRF_COOKIE,
        cookie_path="/console",
        cookie_httponly=True,
        cookie_samesite="strict",
        header_name="x-csrf-token",
        exclude=[f"^{prefix}" for prefix in api],
    )


def _to_sign_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"{signin.SIGN_IN}?next={quote(here, safe='/')}", status_code=303)


def _refused(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A page saying what was refused: an unknown page or incident, a role that may not
    open it, a form posted without its CSRF token (an old page, or another site's), or a
    parameter that does not read (named)."""
    status = getattr(exc, "status_code", 400)
    detail = str(getattr(exc, "detail", ""))
    csrf = status == 403 and "CSRF" in detail
    return page(request, "refused.html", status, status=status, csrf=csrf, detail=detail,
                parameter=_parameter(request, exc))  # fmt: skip


def _parameter(request: Request[Any, Any, Any], exc: Exception) -> str | None:
    """The parameter an exception names, as the page's address spells it: the console's
    and the API's own checks name it in ``extra["parameter"]``; Litestar's validation
    names the handler's argument in ``extra[0]["key"]``, whose query name may differ."""
    extra = getattr(exc, "extra", None)
    if isinstance(extra, dict):
        return str(extra.get("parameter") or "") or None
    if not (isinstance(extra, list) and extra and isinstance(extra[0], dict)):
        return None
    key = str(extra[0].get("key") or "")
    handler = request.scope.get("route_handler")
    fields = handler.parsed_fn_signature.parameters if handler is not None else {}
    kwarg = getattr(fields.get(key), "kwarg_definition", None)
    return getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or key or None


def console() -> Router:
    """Every console route, under the app's authentication like the API's."""
    return Router(
        "/",
        route_handlers=[
            home.home,
            home.choose_language,
            incident_list.incident_list,
            incident_page.incident_page,
            audit_page.audit_page,
            signin.sign_in_form,
            signin.sign_in,
            signin.sign_out,
            assets.chinese_font,
            assets.chinese_font_licence,
            assets.language_names_font,
            assets.console_words_font,
            assets.static_files(),
            *desk.HANDLERS,
        ],
        exception_handlers={
            NotAuthorizedException: _to_sign_in,
            PermissionDeniedException: _refused,
            NotFoundException: _refused,
            ClientException: _refused,
        },
    )
