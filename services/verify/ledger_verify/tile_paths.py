"""The resource paths of a ``tlog-tiles`` log (https://c2sp.org/tlog-tiles), read back:
``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``, exactly as ``tiles.tile_path``
writes them and nothing else (no leading zeros, no empty group, no width 0 or 256), so
that every tile has one name. Standard library only."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledger_verify.tiles import WIDTH, tile_path

MAX_LEVEL = 63
ENTRIES = "entries"
_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"[0-9]{3}")
MAX_GROUPS = -(-len(str(2**64 - 1)) // 3)  # 7: enough for any 64-bit index


class TilePathError(ValueError):
    """A path that names no tile: the message says which part and why."""


@dataclass(frozen=True, slots=True)
class TileRef:
    level: int | None  # None: an entry bundle
    index: int
    width: int = WIDTH  # < WIDTH: a partial tile

    @property
    def path(self) -> str:
        """Its path, ``tile/…``."""
        return tile_path(ENTRIES if self.level is None else self.level, self.index, self.width)


def parse(path: str) -> TileRef:
    """The tile a path ``tile/…`` names; ``TilePathError`` naming what is wrong."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise TilePathError(f"{path!r} is not tile/<level>/<index>[.p/<width>]")
    level = _level(parts[1])
    groups, width = parts[2:], WIDTH
    if len(groups) >= 2 and groups[-2].endswith(".p"):
        width = _width(groups[-1])
        groups = [*groups[:-2], groups[-2][:-2]]
    return TileRef(level, _index(groups), width)


def _level(text: str) -> int | None:
    if text == ENTRIES:
        return None
    if not _LEVEL.fullmatch(text) or int(text) > MAX_LEVEL:
        raise TilePathError(f"level {text!r} is not {ENTRIES!r} nor a number 0 to {MAX_LEVEL}")
    return int(text)


def _width(text: str) -> int:
    if not _WIDTH.fullmatch(text) or int(text) >= WIDTH:
        raise TilePathError(f"width {text!r} is not a number 1 to {WIDTH - 1}")
    return int(text)


def _index(groups: list[str]) -> int:
    if len(groups) > MAX_GROUPS:
        raise TilePathError(f"index: {len(groups)} groups; a 64-bit index has at most {MAX_GROUPS}")
    *upper, last = groups
    if not all(g.startswith("x") and _GROUP.fullmatch(g[1:]) for g in upper):
        raise TilePathError(f"index {'/'.join(groups)!r}: all but the last group are x<ddd>")
    if not _GROUP.fullmatch(last):
        raise TilePathError(f"index {'/'.join(groups)!r}: the last group is three digits")
    if upper and upper[0] == "x000":
        raise TilePathError(f"index {'/'.join(groups)!r} has a leading zero group")
    try:
        return int("".join(g.lstrip("x") for g in groups))
    except ValueError as error:  # not reached past the checks above; a 400, never a 500
        raise TilePathError(f"index {'/'.join(groups)!r}: {error}") from None
