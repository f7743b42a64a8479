"""Chinese renders with the shipped font. Given the console's Chinese words (its Chinese
catalogue, the report's, its templates), then every character of them is in the subset a
Chinese page preloads and in the full font, and every CJK one falls in the unicode-range
both faces are declared for (a character outside it would be left to the system's fonts,
which may draw it as an empty box)."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from ledger_api.console import assets

pytestmark = pytest.mark.unit
_CSS = Path(assets.__file__).with_name("static") / "console.css"
_LATIN = range(0x80, 0x2E80)  # Latin, Greek, punctuation, symbols: any system font's


def _ranges() -> list[list[range]]:
    """The unicode-range of each ``Noto Sans SC`` face in the style sheet."""
    faces = re.findall(r"@font-face\s*{([^}]*)}", _CSS.read_text())
    found = []
    for face in faces:
        if '"Noto Sans SC"' not in face:
            continue
        declared = re.search(r"unicode-range:([^;]+);", face)
        assert declared is not None
        spans = [s.strip().removeprefix("U+").partition("-") for s in declared[1].split(",")]
        found.append([range(int(a, 16), int(b or a, 16) + 1) for a, _, b in spans])
    return found


def test_every_chinese_word_of_the_console_is_in_the_shipped_fonts() -> None:
    said = assets.console_words()
    assert "事" in said
    assert "逾" in said  # an obligation's state
    cut = TTFont(io.BytesIO(assets._words_font())).getBestCmap()
    full = TTFont(assets._font_file("NotoSansSC[wght].ttf")).getBestCmap()
    missing = [c for c in said if ord(c) not in cut or ord(c) not in full]
    assert not missing, [f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing]


def test_every_chinese_character_is_drawn_by_both_faces() -> None:
    faces = _ranges()
    assert len(faces) == 2
    for spans in faces:
        outside = [
            c
            for c in assets.console_words()
            if ord(c) not in _LATIN and not any(ord(c) in span for span in spans)
        ]
        assert not outside, outside
