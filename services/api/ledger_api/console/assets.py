"""The console's assets, all served by the ledger itself: ``static/`` (style, script,
icons, and whatever else a page needs; ``static/vendor/htmx.min.js`` is htmx 2.0.11 as the
npm package ``htmx.org`` ships it, Zero-Clause BSD, its licence beside it), and the
Chinese font from the ``justmytype_intl_cjk`` package (Noto Sans SC, SIL Open Font
Licence), which the style sheet asks for only for CJK characters (``unicode-range``): a
Latin page never loads it.
Two subsets of the same font, cut once per process by fontTools, spare the reader the full
font's download where they can: the console's own Chinese words (every character of its
Chinese catalogues and templates), which a Chinese page preloads and which the style sheet
tries before the full font (kept for ledger strings in other characters); and, for
English pages, the language switch's Chinese name (中文)."""

from __future__ import annotations

import functools
import io
import logging
from importlib import resources
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from litestar import Response, Router, get
from litestar.response import File
from litestar.static_files import create_static_files_router

from ledger_api.console import words
from projector.views import catalogue

STATIC = "/console/static"
FONTS = "/console/fonts"
_FONT_DIR = "fonts/ofl/notosanssc"
_CACHE = {"Cache-Control": "public, max-age=86400"}
LANGUAGE_NAMES = "中文"
logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter tells every step


def _font_file(name: str) -> Path:
    return Path(str(resources.files("justmytype_intl_cjk").joinpath(f"{_FONT_DIR}/{name}")))


@get(f"{FONTS}/noto-sans-sc.ttf", include_in_schema=False, sync_to_thread=False)
def chinese_font() -> File:
    return File(_font_file("NotoSansSC[wght].ttf"), media_type="font/ttf", headers=_CACHE,
                content_disposition_type="inline")  # fmt: skip


@get(f"{FONTS}/noto-sans-sc-licence.txt", include_in_schema=False, sync_to_thread=False)
def chinese_font_licence() -> File:
    return File(_font_file("OFL.txt"), media_type="text/plain; charset=utf-8", headers=_CACHE,
                content_disposition_type="inline")  # fmt: skip


def _cut(text: str) -> bytes:
    font = TTFont(_font_file("NotoSansSC[wght].ttf"))
    cutter = subset.Subsetter(subset.Options())
    cutter.populate(text=text)
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def console_words() -> str:
    """Every character beyond ASCII the console's Chinese pages say of their own: its
    Chinese catalogue, the report's (enumerations, summaries), its templates."""
    sources = [
        words.HOME / "zh" / "LC_MESSAGES" / "console.po",
        catalogue.HOME / "zh" / "LC_MESSAGES" / "report.po",
        *sorted(Path(__file__).with_name("templates").glob("*.html")),
    ]
    found = {c for path in sources for c in path.read_text(encoding="utf-8") if ord(c) > 127}
    return "".join(sorted(found | set(LANGUAGE_NAMES)))


@functools.cache
def _names_font() -> bytes:
    return _cut(LANGUAGE_NAMES)


@functools.cache
def _words_font() -> bytes:
    return _cut(console_words())


@get(f"{FONTS}/language-names.ttf", include_in_schema=False, sync_to_thread=True)
def language_names_font() -> Response[bytes]:
    return Response(_names_font(), media_type="font/ttf", headers=_CACHE)


@get(f"{FONTS}/console-words.ttf", include_in_schema=False, sync_to_thread=True)
def console_words_font() -> Response[bytes]:
    return Response(_words_font(), media_type="font/ttf", headers=_CACHE)


def static_files() -> Router:
    return create_static_files_router(
        STATIC,
        directories=[Path(__file__).with_name("static")],
        include_in_schema=False,
        cache_control=None,
        name="console-static",
    )
