"""The console's words in English and Chinese, from the gettext catalogues in
``locale/<lang>/LC_MESSAGES/console.po`` (compiled by Babel when first read), the
in-browser verifier's sentences from the same catalogues, and the
reader's language: the one chosen (a cookie), else the browser's (``Accept-Language``)."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from litestar.connection import ASGIConnection

from ledger_api.auth import header
from projector.views.catalogue import BABEL_LOCALE, LANGUAGES, Language
from projector.views.summaries import language

COOKIE = "ledger_lang"
NAMES: dict[Language, str] = {"en": "English", "zh": "中文"}
HOME = Path(__file__).with_name("locale")


VERIFY = "verify"
"""The context of the in-browser verifier's sentences (``static/verify/*.js``)."""


@functools.cache
def _catalog(lang: Language) -> Catalog:
    with (HOME / lang / "LC_MESSAGES" / "console.po").open("rb") as po:
        return read_po(po, locale=BABEL_LOCALE[lang])


@functools.cache
def translations(lang: Language) -> Translations:
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(lang))
    compiled.seek(0)
    return Translations(compiled, domain="console")


@functools.cache
def verifier_words(lang: Language) -> dict[str, str]:
    """The verifier's sentences in ``lang``, keyed by their English (as the page's script
    looks them up)."""
    return {str(m.id): str(m.string) for m in _catalog(lang) if m.context == VERIFY and m.string}


def chosen(value: str | None) -> Language | None:
    """``value`` if it names a language the console speaks."""
    return next((lang for lang in LANGUAGES if lang == value), None)


def reader_language(connection: ASGIConnection[Any, Any, Any, Any]) -> Language:
    """The language chosen (cookie), else the one the browser prefers."""
    picked = chosen(connection.cookies.get(COOKIE))
    if picked is not None:
        return picked
    return language(header(connection.scope["headers"], b"accept-language"))
