"""Every hash tile above level 0 of an export, recomputed from the level below as stored
and compared: a tile edited on its own is caught too. Standard library only."""

from __future__ import annotations

from collections.abc import Callable

from ledger_verify.compact import levels
from ledger_verify.report import Finding, Report
from ledger_verify.tiles import WIDTH, tile_path


def tile_root(data: bytes | None) -> bytes | None:
    """The root of a full tile's 256 hashes (None: unreadable)."""
    if not data:
        return None
    return levels([data[i : i + 32] for i in range(0, len(data), 32)])[-1][0]


class UpperTiles:
    """Every tile above level 0, recomputed from the level below as stored and compared."""

    def __init__(self, read: Callable[[int, int, int], bytes | None], report: Report) -> None:
        self.read, self.report = read, report
        self.pending: dict[int, list[bytes | None]] = {}  # per level: roots of the tiles below
        self.done: dict[int, int] = {}  # per level: full tiles compared

    def full(self, level: int, data: bytes | None) -> None:
        """One more full tile of ``level`` as stored (None: unreadable)."""
        self.full_root(level, tile_root(data))

    def full_root(self, level: int, root: bytes | None) -> None:
        """One more full tile of ``level``, by the root of its hashes as stored."""
        slots = self.pending.setdefault(level + 1, [])
        slots.append(root)
        if len(slots) == WIDTH:
            self.pending[level + 1], index = [], self.done.get(level + 1, 0)
            self.done[level + 1] = index + 1
            self.full(level + 1, self._compare(level + 1, index, slots))

    def finish(self) -> None:
        for level, slots in sorted(self.pending.items()):
            if slots:
                self._compare(level, self.done.get(level, 0), slots)

    def _compare(self, level: int, index: int, slots: list[bytes | None]) -> bytes | None:
        stored = self.read(level, index, len(slots))
        for i, want in enumerate(slots):
            if stored is not None and want is not None and stored[i * 32 : i * 32 + 32] != want:
                below = tile_path(level - 1, index * WIDTH + i)
                name = tile_path(level, index, len(slots))
                message = f"hash {i} of the tile {name} is not the root of the tile {below}"
                self.report.add(Finding("tile", message))
        return stored
