"""The console as the composition root mounts it: its pages, its assets, the paths that
need no session, the CSRF protection of its forms, and its answers to a missing session
(the sign-in page) or a refused role (a page saying so)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.response import Redirect

from ledger_api.console import assets, desk, home, signin
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
    open it, or a form posted without its CSRF token (an old page, or another site's)."""
    status = 404 if isinstance(exc, NotFoundException) else 403
    csrf = status == 403 and "CSRF" in str(getattr(exc, "detail", ""))
    return page(request, "refused.html", status, status=status, csrf=csrf)


def console() -> Router:
    """Every console route, under the app's authentication like the API's."""
    return Router(
        "/",
        route_handlers=[
            home.home,
            home.choose_language,
            signin.sign_in_form,
            signin.sign_in,
            signin.sign_out,
            assets.chinese_font,
            assets.chinese_font_licence,
            assets.language_names_font,
            assets.static_files(),
            *desk.HANDLERS,
        ],
        exception_handlers={
            NotAuthorizedException: _to_sign_in,
            PermissionDeniedException: _refused,
            NotFoundException: _refused,
        },
    )
