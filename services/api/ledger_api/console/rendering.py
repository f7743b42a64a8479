"""How a console page is rendered: one Jinja2 environment (autoescape on, so every ledger
string is escaped), and :func:`page`, which hands a template what every page uses: the
reader's language and its words (``_``), who is signed in, and where the page is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from litestar import Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig
from markupsafe import Markup

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


def _base(request: Request[Any, Any, Any]) -> dict[str, Any]:
    lang = words.reader_language(request)
    return {
        "_": words.translations(lang).gettext,
        "lang": lang,
        "languages": NAMES,
        "user": request.scope.get("user"),
        "nav": nav,
        "w": lambda context, key: catalogue.word(context, str(key), lang),
        "verifier_words": lambda: words.verifier_words(lang),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


def page(
    request: Request[Any, Any, Any], name: str, status_code: int = 200, **context: Any
) -> Template:
    """``name`` (a template) rendered for ``request``'s reader with ``context``."""
    base = _base(request)
    headers = HEADERS | {"Content-Language": base["lang"]}
    return Template(name, context=base | context, status_code=status_code, headers=headers)


def page_with(
    request: Request[Any, Any, Any], name: str, parts: dict[str, bytes], **context: Any
) -> Response[bytes]:
    """As :func:`page`, with each of ``parts`` (HTML already rendered and encoded, kept
    between requests) put where the template shows the variable of its name: a large
    part is neither decoded, escaped nor encoded again."""
    marks = {key: Markup(f"<!--part {key}-->") for key in parts}
    base = _base(request)
    template = request.app.template_engine.get_template(name)  # type: ignore[union-attr]
    body = template.render(**(base | context | marks), request=request).encode()
    for key, part in parts.items():
        body = body.replace(f"<!--part {key}-->".encode(), part, 1)
    headers = HEADERS | {"Content-Language": base["lang"]}
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)
