"""The font a PDF report embeds: Noto Sans SC (OFL; Chinese, Latin, digits and the currency
signs), shipped by the ``justmytype-intl-cjk`` package as one variable TrueType font.

The variable font is cut down to the characters the document uses first, and only then
fixed at a weight (fontTools' subsetter and instancer): fixing all 17 MB of it at a weight,
as fpdf2's own ``variations`` do, takes tens of seconds; the cut font takes well under one.
fpdf2 then embeds the static faces (subset again, as ``FontFile2``)."""

from __future__ import annotations

import io
from importlib.resources import as_file, files
from pathlib import Path

from fontTools import subset, ttLib
from fontTools.varLib import instancer

PACKAGE = "justmytype_intl_cjk"
FILE = ("fonts", "ofl", "notosanssc", "NotoSansSC[wght].ttf")
FAMILY = "NotoSansSC"
# fpdf2's styles and the weights they stand for.
WEIGHTS = {"": 400, "B": 700}


def _cut(text: str) -> bytes:
    """The variable font with only the glyphs of ``text``."""
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = []
    cutter = subset.Subsetter(options)
    cutter.populate(text=text)
    with as_file(files(PACKAGE).joinpath(*FILE)) as path, ttLib.TTFont(path, lazy=True) as font:
        cutter.subset(font)
        return _saved(font)


def _saved(font: ttLib.TTFont) -> bytes:
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _fixed(cut: bytes, weight: int) -> bytes:
    font = ttLib.TTFont(io.BytesIO(cut))
    instancer.instantiateVariableFont(font, {"wght": weight}, inplace=True, static=True)
    return _saved(font)


def faces(text: str, home: Path) -> dict[str, Path]:
    """Each style's face for ``text``, written in ``home``: fpdf2 reads fonts from files."""
    cut = _cut(text)
    written = {}
    for style, weight in WEIGHTS.items():
        path = home / f"{FAMILY}-{weight}.ttf"
        path.write_bytes(_fixed(cut, weight))
        written[style] = path
    return written
