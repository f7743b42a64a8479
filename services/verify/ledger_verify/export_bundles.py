"""Reading an export's entry bundles, level-0 tiles and columns, a bundle at a time: what
a whole run (``export``) and a worker checking a stretch of the log (``export_pool``)
share. Standard library only."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from ledger_verify.compact import CompactRange, levels
from ledger_verify.quick import checker
from ledger_verify.records import read_columns
from ledger_verify.report import MALFORMED, Finding, Malformed, Report
from ledger_verify.tiles import WIDTH, tile_path
from ledger_verify.trust import Checkpoint

FORMAT = "incident-ledger-export/1"


def parse_entries(data: bytes) -> tuple[list[bytes], str]:
    """The records of an entry bundle, and what is wrong with its framing ("" if nothing)."""
    records: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            return records, f"it ends inside the length of record {len(records) + 1}"
        end = at + 2 + int.from_bytes(data[at : at + 2], "big")
        if end > len(data):
            return records, f"record {len(records) + 1} runs past the end of the bundle"
        records.append(data[at + 2 : end])
        at = end
    return records, ""


def read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise Malformed(f"cannot read the {what}: {error.strerror or error}", "missing") from None


def read_text(path: Path, what: str) -> str:
    try:
        return read_bytes(path, what).decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed(f"the {what} is not UTF-8 text", "malformed") from None


class Bundles:
    """The records of the export in ``directory`` checked bundle by bundle, folded into
    ``tree``; ``stretch``: the bundles start mid-log (``Checker``'s stretch mode)."""

    has_columns = True  # a served log has none: its records are checked alone

    def __init__(
        self, directory: Path, report: Report, quick: bool, *, stretch: bool = False
    ) -> None:
        self.dir, self.report = directory, report
        self.checker, self.tree = checker(quick=quick, stretch=stretch), CompactRange()
        self.codec = self.checker.codec
        self.pin: Checkpoint | None = None  # a smaller pinned tree: a prefix to check
        self.ended = self.columns_ended = False
        self.skip = 0  # records before the ones to read: the pin state's size

    def bundle(self, index: int, width: int, size: int, columns: IO[bytes]) -> bytes | None:
        """Checks the records of one entry bundle; the level-0 tile as stored, if readable."""
        records, tile = self._entries(index, width, size), self._tile(0, index, width)
        base, checker, report, name = index * WIDTH, self.checker, self.report, None
        lines = self.has_columns
        start = max(0, self.skip - base)  # the records up to the pin were checked before
        leaves = []
        for offset, record in enumerate(records[start:], start=start):
            position = base + offset + 1
            line = self._line(columns)
            if (line is not None or not lines) and checker.sound_line(position, record, line):
                found = []
            else:
                found = checker.check(position, record, self._parsed(line, position))
            leaf = checker.leaf
            if tile is not None and tile[offset * 32 : offset * 32 + 32] != leaf:
                name = name or tile_path(0, index, width)
                message = f"the record does not match the leaf hash in tile {name} (entry {offset})"
                found.append(Finding("leaf", message, position, checker.event_id))
            if found:
                report.extend(found)
            leaves.append(leaf)
        self._grow(leaves)
        report.events += max(0, len(records) - start)
        for position in range(base + max(len(records), start) + 1, base + width + 1):
            self._columns(columns, position)
        return tile

    def _grow(self, leaves: list[bytes]) -> None:
        """The tree grown by a bundle's leaves: a whole subtree at once when it can be."""
        tree, pin = self.tree, self.pin
        pinned = pin is not None and tree.size < pin.size <= tree.size + len(leaves)
        if len(leaves) == WIDTH and tree.size % WIDTH == 0 and not pinned:
            tree.append_subtree(levels(leaves)[-1][0], 8)
            return
        for leaf in leaves:
            tree.append(leaf)
            if pin is not None and tree.size == pin.size:
                self._prefix(pin)

    def _entries(self, index: int, width: int, size: int) -> list[bytes]:
        name, data = tile_path("entries", index, width), self._entry_bundle(index, width)
        records, problem = parse_entries(data or b"")
        if problem:
            message = f"the entry bundle {name} is broken: {problem}"
            self.report.add(Finding("entries", message), MALFORMED)
        if len(records) > width:
            if index * WIDTH + width < size:  # past the last position, the totals tell
                message = f"the entry bundle {name} holds {len(records)} records, {width} expected"
                self.report.add(Finding("extra-records", message, index * WIDTH + width + 1))
            return records[:width]
        if len(records) < width and not self.ended:
            self._short(index, width, len(records), size)
        return records

    def _short(self, index: int, width: int, count: int, size: int) -> None:
        last = index * WIDTH + count
        if not self._widths(index + 1):
            self.ended = True
            message = f"the export ends at position {last} but its checkpoint covers {size}"
            self.report.add(Finding("truncated", message, last + 1))
            return
        name = tile_path("entries", index, width)
        message = (
            f"the entry bundle {name} holds {count} records, {width} expected: positions "
            f"{last + 1}–{index * WIDTH + width} are missing"
        )
        self.report.add(Finding("missing-records", message, last + 1))

    def _widths(self, index: int) -> list[int]:
        """The widths of the entry bundles at ``index`` the export holds (256: full)."""
        full = self.dir / tile_path("entries", index)
        widths = [WIDTH] if full.is_file() else []
        partial = full.parent / (full.name + ".p")
        if partial.is_dir():
            widths += [int(p.name) for p in partial.iterdir() if p.name.isdigit()]
        return sorted(w for w in widths if 0 < w <= WIDTH)

    def _entry_bundle(self, index: int, width: int) -> bytes | None:
        """The bundle of that width, else the nearest one the export holds instead."""
        widths = self._widths(index)
        if not widths:
            return None
        smaller = [w for w in widths if w <= width]
        chosen = smaller[-1] if smaller else widths[0]
        return read_bytes(self.dir / tile_path("entries", index, chosen), "entry bundle")

    def _tile(self, level: int, index: int, width: int) -> bytes | None:
        name = tile_path(level, index, width)
        if not (self.dir / name).is_file():
            self.report.add(Finding("missing-tile", f"the tile {name} is missing"), MALFORMED)
            return None
        data = read_bytes(self.dir / name, "tile")
        if len(data) != width * 32:
            message = f"the tile {name} holds {len(data)} bytes, {width * 32} expected"
            self.report.add(Finding("tile-size", message), MALFORMED)
            return None
        return data

    def _columns(self, columns: IO[bytes], position: int) -> dict[str, Any] | None:
        return self._parsed(self._line(columns), position)

    def _line(self, columns: IO[bytes]) -> bytes | None:
        line = columns.readline()
        if not line:
            self.columns_ended = True
            return None
        return line[:-1] if line[-1:] == b"\n" else line

    def _parsed(self, line: bytes | None, position: int) -> dict[str, Any] | None:
        if line is None:
            return None
        value, problem = read_columns(line, self.codec)
        if problem:
            self.report.add(Finding("columns", problem, position), MALFORMED)
        return value

    def _prefix(self, pin: Checkpoint) -> None:
        if self.tree.root() != pin.root:
            message = (
                f"the first {pin.size} records do not add up to the pinned checkpoint's root: "
                "the log was rewritten since the pin"
            )
            self.report.add(Finding("fork", message))
