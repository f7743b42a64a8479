"""The fonts a PDF report embeds: Noto Sans SC (OFL; Chinese, Latin, digits and the
currency signs), shipped by the ``justmytype-intl-cjk`` package as a variable TrueType
font, and the same pack's Noto Sans TC, JP and KR for what a text holds that SC lacks
(traditional characters, kana, hangul), cut only when it does.

Each variable font is cut down to the characters the document uses first, and only then
fixed at a weight (fontTools' subsetter and instancer): fixing all 17 MB of it at a weight,
as fpdf2's own ``variations`` do, takes tens of seconds; the cut font takes well under one.
fpdf2 then embeds the static faces (subset again, as ``FontFile2``).

A character none of them holds (an emoji, Arabic, a private-use code) is printed as
:data:`MARK`; white space as a space; control and format characters (a zero-width space,
a direction override) not at all. So the page shows where text could not be set, and
fpdf2 has no missing glyph to name in its log (the text may be personal)."""

from __future__ import annotations

import io
import unicodedata
from importlib.resources import as_file, files
from pathlib import Path
from typing import NamedTuple

from fontTools import subset, ttLib
from fontTools.varLib import instancer

PACKAGE = "justmytype_intl_cjk"
FAMILY = "NotoSansSC"
# The pack's families, the first the document's own, the others its fallbacks in turn.
FAMILIES = ("NotoSansSC", "NotoSansTC", "NotoSansJP", "NotoSansKR")
# fpdf2's styles and the weights they stand for.
WEIGHTS = {"": 400, "B": 700}
MARK = "\u25a1"  # □: what a character no face holds is printed as
_INVISIBLE = ("Cc", "Cf")  # control and format characters


class Fonts(NamedTuple):
    faces: list[Face]
    stand_ins: dict[int, str]  # for ``str.translate``: what to print for what no face holds


class Face(NamedTuple):
    family: str
    style: str  # fpdf2's: "" or "B"
    path: Path


def _cut(family: str, wanted: set[int]) -> tuple[bytes, set[int]]:
    """``family``'s variable font with only the glyphs of ``wanted``, and those it has."""
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = []
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=wanted)
    source = files(PACKAGE).joinpath("fonts", "ofl", family.lower(), f"{family}[wght].ttf")
    with as_file(source) as path, ttLib.TTFont(path, lazy=True) as font:
        cutter.subset(font)
        return _saved(font), set(font.getBestCmap() or ())


def _saved(font: ttLib.TTFont) -> bytes:
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _fixed(cut: bytes, weight: int) -> bytes:
    font = ttLib.TTFont(io.BytesIO(cut))
    instancer.instantiateVariableFont(font, {"wght": weight}, inplace=True, static=True)
    return _saved(font)


def _written(family: str, cut: bytes, home: Path) -> list[Face]:
    faces = []
    for style, weight in WEIGHTS.items():
        path = home / f"{family}-{weight}.ttf"
        path.write_bytes(_fixed(cut, weight))
        faces.append(Face(family, style, path))
    return faces


def fonts(text: str, home: Path) -> Fonts:
    """The faces ``text`` needs, written in ``home`` (fpdf2 reads fonts from files): the
    document's family first, then each fallback holding a character the ones before lack;
    and the stand-ins of the characters none of them holds (line breaks are kept)."""
    chars = set(text + MARK) - {"\n"}
    invisible = {c for c in chars if unicodedata.category(c) in _INVISIBLE}
    wanted = {ord(c) for c in chars - invisible}
    found: list[Face] = []
    for family in FAMILIES:
        if family != FAMILY and not wanted:
            break
        cut, covered = _cut(family, wanted)
        if family == FAMILY or covered:
            found += _written(family, cut, home)
        wanted -= covered
    lacking = invisible | {chr(i) for i in wanted}
    return Fonts(found, {ord(c): stand_in(c) for c in lacking})


def stand_in(char: str) -> str:
    """What is printed for a character no face holds."""
    if char.isspace():
        return " "
    return "" if unicodedata.category(char) in _INVISIBLE else MARK
