"""Sealed values in text: the one pattern of a token (:data:`TOKEN`), and where tokens
stand in the texts the API keeps between requests (a timeline's JSON, its console HTML),
found once per text rather than by every request that opens them: a request then only
looks its tokens' values up and joins the text around them. What is kept here holds
tokens and commitments, never a value."""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from cachetools import LRUCache

from ledger.store import sealing
from plumbing.caching import keep

TOKEN: Final = re.compile(rb"pd1\.(?:[A-Za-z0-9_-]{43}|erased)")
"""A sealed value as it stands in a record or an answer (``ledger.store.sealing``): a
commitment's token, or the mark of a value that came after its subject's erasure."""
TOKEN_TEXT: Final = re.compile(TOKEN.pattern.decode())
_CUT: Final = re.compile(b"(" + TOKEN.pattern + b")")  # ``split`` keeps what it cuts at
BYTES: Final = 64 * 2**20
"""Text weighed by the splits kept at most, per API process."""


class Split(NamedTuple):
    """A text cut around its tokens: ``parts`` between them (one more than ``tokens``),
    ``tokens`` in order, and each distinct token's commitment (None: erased on arrival);
    ``weight``: the bytes it keeps alive, its text's included."""

    parts: list[bytes]
    tokens: list[bytes]
    made: dict[bytes, bytes | None]
    weight: int

    def joined(self, shown: dict[bytes, bytes]) -> bytes:
        """The text with each token replaced by what ``shown`` has for it."""
        pieces = [piece for part, token in zip(self.parts, self.tokens, strict=False)
                  for piece in (part, shown[token])]  # fmt: skip
        pieces.append(self.parts[-1])
        return b"".join(pieces)


def split(text: bytes) -> Split:
    cut = _CUT.split(text)
    tokens = cut[1::2]
    made = {token: sealing.commitment_of(token.decode()) for token in set(tokens)}
    return Split(cut[0::2], tokens, made, 2 * len(text) + 100 * len(made))


class Splits:
    """Splits by their text, the least recently used going first beyond :data:`BYTES`."""

    def __init__(self, size: int = BYTES) -> None:
        self._kept = LRUCache[bytes, Split](size, lambda s: s.weight)

    def of(self, text: bytes) -> Split:
        found = self._kept.get(text)
        if found is None:
            found = split(text)
            keep(self._kept, text, found)
        return found
