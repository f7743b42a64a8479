"""The printed report's words: labels, headings and enumerations in English and Chinese,
from the gettext catalogues in ``locale/<lang>/LC_MESSAGES/report.po`` (compiled by Babel
when first read). A message's context names what it translates: ``field``, ``heading``,
or an enumeration (``kind``, ``recipient_role``, ``channel``…)."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Literal

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")
BABEL_LOCALE: dict[Language, str] = {"en": "en", "zh": "zh_Hans_CN"}
HOME = Path(__file__).with_name("locale")

# Which enumeration an event's field names, for summaries in the reader's language.
ENUM_FIELDS = {
    "recipient_role": "recipient_role",
    "channel": "channel",
    "kind": "kind",
    "severity": "severity",
    "level": "level",
    "category": "category",
    "basis": "basis",
    "status": "status",
}


@functools.cache
def translations(language: Language) -> Translations:
    with (HOME / language / "LC_MESSAGES" / "report.po").open("rb") as po:
        catalog = read_po(po, locale=BABEL_LOCALE[language])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain="report")


def word(context: str, key: str, language: Language) -> str:
    """The translation of ``key`` in ``context``; ``key`` itself when the catalogue has none."""
    return str(translations(language).pgettext(context, key))


def known(context: str, key: str) -> bool:
    return word(context, key, "en") != key or word(context, key, "zh") != key


def label(key: str, language: Language | None) -> str:
    """A field's label; both languages (Chinese first) when none is chosen."""
    return words("field", key, language)


def words(context: str, key: str, language: Language | None) -> str:
    if language is not None:
        return word(context, key, language)
    return f"{word(context, key, 'zh')} {word(context, key, 'en')}"
