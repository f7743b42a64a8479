"""The API's cache of opened values (``ledger_api.opened_cache``) keeps values only while
listening, and only from a read that began since the last erasure heard; an erasure
drops its subject's values and no other's; a value opens only in its own incident; the
least recently used go first beyond its size. A text's tokens, cut out once, are joined
back around what each request shows for them, as a substitution of each would give."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.store import sealing
from ledger.store.subject_keys import HeldValue
from ledger_api.opened_cache import OpenedCache
from ledger_api.token_spans import TOKEN, split

pytestmark = pytest.mark.unit


def _made() -> bytes:
    return secrets.token_bytes(32)


def _listening(size: int = 10) -> OpenedCache:
    cache = OpenedCache(size)
    cache.listen(True)
    return cache


def test_kept_only_while_listening_and_if_no_erasure_was_heard_since() -> None:
    cache, made = OpenedCache(), _made()
    held = {made: HeldValue("INC-1:claimant", "INC-1", "Zhang")}
    cache.keep(held, cache.generation)
    assert len(cache) == 0  # not listening
    cache.listen(True)
    began = cache.generation
    cache.erased("INC-2:reporter")  # heard while the read was under way
    cache.keep(held, began)
    assert len(cache) == 0
    cache.keep(held, cache.generation)
    assert cache.found([made], "INC-1") == ({made: "Zhang"}, set())
    cache.listen(False)
    assert len(cache) == 0


def test_an_erasure_drops_its_subject_only() -> None:
    cache, mine, theirs = _listening(), _made(), _made()
    cache.keep({mine: HeldValue("INC-1:claimant", "INC-1", "Zhang"),
                theirs: HeldValue("INC-1:reporter", "INC-1", "Li")}, cache.generation)  # fmt: skip
    cache.erased("INC-1:claimant")
    assert cache.found([mine, theirs], None) == ({theirs: "Li"}, {mine})


def test_a_value_opens_only_in_its_own_incident() -> None:
    cache, made = _listening(), _made()
    cache.keep({made: HeldValue("INC-1:claimant", "INC-1", "Zhang")}, cache.generation)
    assert cache.found([made], "INC-2") == ({}, {made})
    assert cache.found([made], None) == ({made: "Zhang"}, set())


def test_the_least_recently_used_go_first() -> None:
    cache = _listening(size=2)
    first, second, third = _made(), _made(), _made()
    for made in (first, second):
        cache.keep({made: HeldValue("INC-1:casualty", "INC-1", "v")}, cache.generation)
    cache.found([first], "INC-1")  # used: second is now the oldest
    cache.keep({third: HeldValue("INC-1:casualty", "INC-1", "v")}, cache.generation)
    assert cache.found([first, second, third], "INC-1")[1] == {second}
    cache.erased("INC-1:casualty")
    assert len(cache) == 0


@given(st.lists(st.sampled_from(["a", 'é"<', "", "x y"]), max_size=6), st.integers(0, 3))
def test_a_text_joined_around_its_tokens_is_a_substitution(words: list[str], n: int) -> None:
    tokens = [sealing.PREFIX + sealing.b64(bytes([i]) * 32) for i in range(n)] + [sealing.ERASED]
    text = " ".join(w + t for w, t in zip(words, tokens * 3, strict=False)).encode()
    shown = {t.encode(): f"<{t[-3:]}>".encode() for t in tokens}
    assert split(text).joined(shown) == TOKEN.sub(lambda m: shown[m.group()], text)
