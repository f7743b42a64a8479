"""The console speaks English and Chinese from its catalogues. Given every template, when
each ``_("…")`` in it is looked up, then both catalogues hold it, and the Chinese one
translates it (a page half in English is a missing translation, not a choice). The same
holds for the in-browser verifier's sentences (the ``SAYS`` tables of its scripts), whose
values (``{name}``) the Chinese keeps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger_api.console import sections, signin, words
from ledger_api.console.targets import MILESTONES
from ledger_api.console.timeline_rows import WORDS

pytestmark = pytest.mark.unit
_TEMPLATES = Path(words.__file__).with_name("templates")
_SAID = re.compile(r"""_\(\s*(["'])(.+?)\1\s*\)""")
_UNTRANSLATED = {"English"}  # words meant the same in both
_SCRIPTS = Path(words.__file__).with_name("static") / "verify"
_PLACE = re.compile(r"\{(\w+)\}")


def _messages() -> set[str]:
    found = {m[2] for t in _TEMPLATES.glob("*.html") for m in _SAID.finditer(t.read_text())}
    found |= {label for label, _, _ in MILESTONES} | set(WORDS.values())
    return found | {title for _, title, _ in sections.SECTIONS} | {"auditor", "clerk", "admin"}


@pytest.mark.parametrize("message", sorted(_messages()))
def test_every_word_of_the_console_is_in_chinese(message: str) -> None:
    assert message in words.translations("en")._catalog
    chinese = words.translations("zh").gettext(message)
    assert chinese != message or message in _UNTRANSLATED, message


def test_the_language_chosen_is_one_the_console_speaks() -> None:
    assert words.chosen("zh") == "zh"
    assert words.chosen("fr") is None
    assert words.chosen(None) is None


@given(st.text())
def test_after_signing_in_a_reader_stays_on_the_console(target: str) -> None:
    onward = signin.onward(target)
    assert onward == "/console/" or onward == target
    assert re.match(r"^/console(?:[/?]|$)", onward)
    assert "\\" not in onward


def _verifier_sentences() -> set[str]:
    """The English sentences of ``const SAYS = {…}`` in the verifier's scripts."""
    found: set[str] = set()
    for script in ("verify.js", "verify-ui.js"):
        text = (_SCRIPTS / script).read_text()
        table = text[text.index("const SAYS = {") :]
        table = table[: table.index("\n  };")]
        found |= set(re.findall(r'^\s+\w+: "([^"\\]*)",$', table, re.MULTILINE))
    return found


def test_the_verifier_says_every_sentence_in_chinese() -> None:
    sentences = _verifier_sentences()
    assert len(sentences) > 50
    chinese, english = words.verifier_words("zh"), words.verifier_words("en")
    assert set(chinese) == sentences == set(english)  # none missing, none left over
    for sentence in sentences:
        assert chinese[sentence] != sentence, sentence
        assert sorted(_PLACE.findall(chinese[sentence])) == sorted(_PLACE.findall(sentence))
