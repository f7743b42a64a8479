"""The console's assets, all served by the ledger itself: ``static/`` (style, script,
icons, and whatever else a page needs), and the Chinese font from the
``justmytype_intl_cjk`` package (Noto Sans SC, SIL Open Font Licence), which the style
sheet asks for only for CJK characters (``unicode-range``): a Latin page never loads it.
An English page names its Chinese language switch (中文) in a subset of the same font cut
to those two characters (4 KB, made once per process by fontTools)."""

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


@functools.cache
def _names_font() -> bytes:
    font = TTFont(_font_file("NotoSansSC[wght].ttf"))
    cutter = subset.Subsetter(subset.Options())
    cutter.populate(text=LANGUAGE_NAMES)
    cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@get(f"{FONTS}/language-names.ttf", include_in_schema=False, sync_to_thread=True)
def language_names_font() -> Response[bytes]:
    return Response(_names_font(), media_type="font/ttf", headers=_CACHE)


def static_files() -> Router:
    return create_static_files_router(
        STATIC,
        directories=[Path(__file__).with_name("static")],
        include_in_schema=False,
        cache_control=None,
        name="console-static",
    )
