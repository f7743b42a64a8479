"""How a console page is rendered: one Jinja2 environment (autoescape on, so every ledger
string is escaped), and :func:`page`, which hands a template what every page uses: the
reader's language and its words (``_``), who is signed in, and where the page is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

from ledger_api.console import words
from ledger_api.console.sections import nav
from ledger_api.console.words import NAMES
from projector.views import catalogue

HEADERS = {
    # Every asset is the console's own: the browser is told to load nothing from elsewhere.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self';"
        " base-uri 'none'"
    ),
    "Cache-Control": "no-store",  # pages may carry personal data
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def page(
    request: Request[Any, Any, Any], name: str, status_code: int = 200, **context: Any
) -> Template:
    """``name`` (a template) rendered for ``request``'s reader with ``context``."""
    lang = words.reader_language(request)
    said = words.translations(lang)
    user = request.scope.get("user")
    base = {
        "_": said.gettext,
        "lang": lang,
        "languages": NAMES,
        "user": user,
        "nav": nav,
        "w": lambda context, key: catalogue.word(context, str(key), lang),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    headers = HEADERS | {"Content-Language": lang}
    return Template(name, context=base | context, status_code=status_code, headers=headers)
