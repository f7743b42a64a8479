"""Verifying a full export: a ``tlog-tiles`` directory, its checkpoint and its columns.

The records are read one entry bundle at a time and folded into a compact range, so
memory stays flat however long the log is: each record is checked (canonical bytes,
position, continuity, columns), its leaf hash compared with the level-0 tile, and the
records' root with the signed one. Every upper tile is recomputed from the tiles below
it as stored, so a tile edited on its own is caught too.

From a pin state (``ledger_verify.pin_state``) the run is incremental: the compact range
of the pinned tree is extended with the leaves of the records after it, which are the
only ones read and checked (against the heads the state carries); that the result is the
newer checkpoint's root proves the newer tree an extension of the pinned one.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ledger_verify import note
from ledger_verify.compact import CompactRange
from ledger_verify.pin_state import Pinned, PinState
from ledger_verify.records import STDLIB, Checker, Codec, read_columns
from ledger_verify.report import MALFORMED, Finding, Malformed, Report, Stop
from ledger_verify.tiles import WIDTH, tile_path, tiles_of
from ledger_verify.trust import Checkpoint, against_pin, open_checkpoint
from ledger_verify.upper_tiles import UpperTiles

FORMAT = "incident-ledger-export/1"
Progress = Callable[[int, int], None]  # (records read, records in the checkpoint)


def verify(
    directory: Path,
    keys: list[note.Verifier],
    pin: str | None = None,
    *,
    codec: Codec = STDLIB,
    progress: Progress | None = None,
    state: Pinned | None = None,
) -> Report:
    """Everything wrong with the export in ``directory``, as a report; from ``state``, only
    the records after it are read. A valid run leaves the state at the export's checkpoint
    on ``report.state``."""
    report = Report("export")
    try:
        _Export(directory, keys, report, codec).run(pin, progress, state)
    except Stop as stop:
        report.stop(stop)
    return report


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


class _Export:
    def __init__(
        self, directory: Path, keys: list[note.Verifier], report: Report, codec: Codec
    ) -> None:
        self.dir, self.keys, self.report, self.codec = directory, keys, report, codec
        self.checker, self.tree = Checker(codec), CompactRange()
        self.pin: Checkpoint | None = None  # a smaller pinned tree: a prefix to check
        self.ended = self.columns_ended = False
        self.skip = 0  # records before the ones to read: the pin state's size

    def run(self, pin: str | None, progress: Progress | None, state: Pinned | None) -> None:
        signed = read_text(self.dir / "checkpoint", "checkpoint")
        checkpoint = open_checkpoint(signed, self.keys, "checkpoint")
        self.report.origin, self.report.size = checkpoint.origin, checkpoint.size
        self.checker.origin = checkpoint.origin
        if pin is not None:
            pinned = open_checkpoint(pin, self.keys, "pinned checkpoint")
            self.pin = pinned if against_pin(pinned, checkpoint, self.report) else None
        if state is not None:
            against_pin(state.checkpoint, checkpoint, self.report)  # a fork is the root's
            self.skip, self.tree = (
                state.checkpoint.size,
                CompactRange(state.tree.size, state.tree.hashes),
            )
            self.checker.heads = dict(state.heads)
        self._manifest(checkpoint)
        if checkpoint.size > self.skip and not (self.dir / "tile" / "entries").is_dir():
            raise Malformed("the export has no entry bundles (tile/entries)", "missing")
        self._walk(checkpoint, progress)
        self._totals(checkpoint)
        if self.report.exit_code == 0:
            heads = self.checker.heads
            self.report.state = PinState(signed, self.tree.size, tuple(self.tree.hashes), heads)

    def _walk(self, checkpoint: Checkpoint, progress: Progress | None) -> None:
        """Every entry bundle and tile in order, then the partial upper tiles."""
        upper = None if self.skip else UpperTiles(self._tile, self.report)
        with self._open_columns() as columns:
            self._skip_columns(columns)
            for level, index, width in tiles_of(checkpoint.size):
                if level:
                    break
                if (index + 1) * WIDTH <= self.skip:
                    continue
                tile = self._bundle(index, width, checkpoint.size, columns)
                if width == WIDTH and upper is not None:
                    upper.full(0, tile)
                if progress:
                    progress(self.tree.size, checkpoint.size)
            self._columns_left(columns, checkpoint.size)
        if upper is not None:
            upper.finish()

    def _skip_columns(self, columns: IO[bytes]) -> None:
        """Past the pinned records' lines (read, not parsed: a line per record)."""
        if self.skip:
            deque(itertools.islice(columns, self.skip - 1), maxlen=0)
            self.columns_ended = not columns.readline()

    def _manifest(self, checkpoint: Checkpoint) -> None:
        try:
            doc = json.loads(read_text(self.dir / "manifest.json", "manifest.json"))
        except ValueError:
            raise Malformed("manifest.json is not JSON", "malformed") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise Malformed(f"manifest.json does not say format {FORMAT!r}", "malformed")
        for key, want in (("origin", checkpoint.origin), ("size", checkpoint.size)):
            if doc.get(key) != want:
                message = f"manifest.json says {key} {doc.get(key)!r}, the checkpoint {want!r}"
                self.report.add(Finding("manifest", message))

    def _open_columns(self) -> IO[bytes]:
        try:
            return (self.dir / "columns.ndjson").open("rb")
        except OSError as error:
            raise Malformed(f"cannot read columns.ndjson: {error.strerror}", "missing") from None

    def _bundle(self, index: int, width: int, size: int, columns: IO[bytes]) -> bytes | None:
        """Checks the records of one entry bundle; the level-0 tile as stored, if readable."""
        records, tile = self._entries(index, width, size), self._tile(0, index, width)
        base, checker, report, name = index * WIDTH, self.checker, self.report, None
        start = max(0, self.skip - base)  # the records up to the pin were checked before
        for offset, record in enumerate(records[start:], start=start):
            position = base + offset + 1
            found = checker.check(position, record, self._columns(columns, position))
            leaf = checker.leaf
            if tile is not None and tile[offset * 32 : offset * 32 + 32] != leaf:
                name = name or tile_path(0, index, width)
                message = f"the record does not match the leaf hash in tile {name} (entry {offset})"
                found.append(Finding("leaf", message, position, checker.event_id))
            if found:
                report.extend(found)
            self.tree.append(leaf)
            if self.pin is not None and self.tree.size == self.pin.size:
                self._prefix(self.pin)
        report.events += max(0, len(records) - start)
        for position in range(base + max(len(records), start) + 1, base + width + 1):
            self._columns(columns, position)
        return tile

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
        line = columns.readline()
        if not line:
            self.columns_ended = True
            return None
        value, problem = read_columns(line[:-1] if line[-1:] == b"\n" else line, self.codec)
        if problem:
            self.report.add(Finding("columns", problem, position), MALFORMED)
        return value

    def _columns_left(self, columns: IO[bytes], size: int) -> None:
        more = sum(1 for _ in columns)
        if self.columns_ended or more:
            message = f"columns.ndjson holds {'more' if more else 'fewer'} lines than {size}"
            self.report.add(Finding("columns-count", message + ", the checkpoint's size"))

    def _prefix(self, pin: Checkpoint) -> None:
        if self.tree.root() != pin.root:
            message = (
                f"the first {pin.size} records do not add up to the pinned checkpoint's root: "
                "the log was rewritten since the pin"
            )
            self.report.add(Finding("fork", message))

    def _totals(self, checkpoint: Checkpoint) -> None:
        index, rest = divmod(checkpoint.size, WIDTH)
        if any(w > rest for w in self._widths(index)) or self._widths(index + 1):
            message = f"the export holds records beyond position {checkpoint.size}, its size"
            self.report.add(Finding("extra-records", message, checkpoint.size + 1))
        if self.tree.size == checkpoint.size and self.tree.root() != checkpoint.root:
            message = "the records do not add up to the signed root"
            if self.skip:
                message = (
                    f"the pinned tree of {self.skip} records and the records after it do not "
                    "add up to the signed root: the log before the pin was rewritten, or "
                    "these records differ from the ones signed"
                )
            self.report.add(Finding("root", message))
