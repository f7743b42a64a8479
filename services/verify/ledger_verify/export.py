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
from typing import IO

from ledger_verify import columns_file, export_pool, note
from ledger_verify.compact import CompactRange
from ledger_verify.export_bundles import FORMAT as FORMAT  # the format it reads
from ledger_verify.export_bundles import Bundles, read_text
from ledger_verify.export_bundles import parse_entries as parse_entries  # for other tools
from ledger_verify.pin_state import Pinned, PinState
from ledger_verify.report import Finding, Malformed, Report, Stop
from ledger_verify.tiles import WIDTH, tiles_of
from ledger_verify.trust import Checkpoint, against_pin, open_checkpoint
from ledger_verify.upper_tiles import UpperTiles

Progress = Callable[[int, int], None]  # (records read, records in the checkpoint)


def verify(
    directory: Path,
    keys: list[note.Verifier],
    pin: str | None = None,
    *,
    quick: bool = True,
    progress: Progress | None = None,
    state: Pinned | None = None,
    workers: int | None = None,
) -> Report:
    """Everything wrong with the export in ``directory``, as a report; from ``state``, only
    the records after it are read. A valid run leaves the state at the export's checkpoint
    on ``report.state``. ``workers``: processes for a large export (default: one per core
    this process may use; 1: none)."""
    report = Report("export")
    processes = export_pool.workers() if workers is None else workers
    try:
        _Export(directory, keys, report, quick, processes).run(pin, progress, state)
    except Stop as stop:
        report.stop(stop)
    return report


class _Export(Bundles):
    def __init__(
        self, directory: Path, keys: list[note.Verifier], report: Report, quick: bool,
        processes: int,
    ) -> None:  # fmt: skip
        super().__init__(directory, report, quick)
        self.keys, self.quick, self.processes = keys, quick, processes

    def run(self, pin: str | None, progress: Progress | None, state: Pinned | None) -> None:
        signed = self._signed()
        checkpoint = open_checkpoint(signed, self.keys, "checkpoint")
        self.report.origin, self.report.size = checkpoint.origin, checkpoint.size
        self.checker.origin = checkpoint.origin
        self._pins(checkpoint, pin, state)
        self._manifest(checkpoint)
        if self._parallel(checkpoint.size, state):
            self._walk_parallel(checkpoint, progress)
        else:
            self._walk(checkpoint, progress)
        self._totals(checkpoint)
        if self.report.exit_code == 0:
            heads = self.checker.heads
            self.report.state = PinState(signed, self.tree.size, tuple(self.tree.hashes), heads)

    def _signed(self) -> str:
        """The checkpoint note, as served."""
        return read_text(self.dir / "checkpoint", "checkpoint")

    def _pins(self, checkpoint: Checkpoint, pin: str | None, state: Pinned | None) -> None:
        """A pinned checkpoint to check as a prefix, or a pin state to go on from."""
        if pin is not None:
            pinned = open_checkpoint(pin, self.keys, "pinned checkpoint")
            self.pin = pinned if against_pin(pinned, checkpoint, self.report) else None
        if state is not None:
            against_pin(state.checkpoint, checkpoint, self.report)  # a fork is the root's
            self.skip = state.checkpoint.size
            self.tree = CompactRange(state.tree.size, state.tree.hashes)
            self.checker.heads = dict(state.heads)

    def _parallel(self, size: int, state: Pinned | None) -> bool:
        """Whether to check in worker processes: a large export, all in place, no pin."""
        if self.processes < 2 or size < export_pool.PARALLEL_FROM:
            return False
        return self.pin is None and state is None and export_pool.laid_out(self.dir, size)

    def _walk(self, checkpoint: Checkpoint, progress: Progress | None) -> None:
        """Every entry bundle and tile in order, then the partial upper tiles."""
        upper = None if self.skip else UpperTiles(self._tile, self.report)
        with self._open_columns() as columns:
            self._skip_columns(columns)
            for level, index, width in tiles_of(checkpoint.size):
                if level:
                    break
                if index * WIDTH + width <= self.skip:  # wholly before the pin
                    continue
                tile = self.bundle(index, width, checkpoint.size, columns)
                if width == WIDTH and upper is not None:
                    upper.full(0, tile)
                if progress:
                    progress(self.tree.size, checkpoint.size)
            self._columns_left(columns, checkpoint.size)
        if upper is not None:
            upper.finish()

    def _walk_parallel(self, checkpoint: Checkpoint, progress: Progress | None) -> None:
        """``_walk`` in worker processes, a stretch of bundles each (``export_pool``)."""
        upper = UpperTiles(self._tile, self.report)
        stitch = export_pool.Stitch(self.report, upper)
        with self._open_columns() as columns:
            export_pool.walk(
                self.dir, checkpoint.size, checkpoint.origin, columns, stitch, progress,
                self.processes, self.quick,
            )  # fmt: skip
            self.columns_ended = stitch.columns_ended
            self._columns_left(columns, checkpoint.size)
        upper.finish()
        self.tree, self.checker.heads = stitch.tree, stitch.heads

    def _skip_columns(self, columns: IO[bytes]) -> None:
        """Past the pinned records' lines: found by bisection, else counted."""
        if self.skip and not columns_file.seek_past(columns, self.skip):
            deque(itertools.islice(columns, self.skip - 1), maxlen=0)
            self.columns_ended = not columns.readline()

    def _manifest(self, checkpoint: Checkpoint) -> None:
        """The manifest against the checkpoint, and the entry bundles in place."""
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
        if checkpoint.size > self.skip and not (self.dir / "tile" / "entries").is_dir():
            raise Malformed("the export has no entry bundles (tile/entries)", "missing")

    def _open_columns(self) -> IO[bytes]:
        try:
            return (self.dir / "columns.ndjson").open("rb")
        except OSError as error:
            raise Malformed(f"cannot read columns.ndjson: {error.strerror}", "missing") from None

    def _columns_left(self, columns: IO[bytes], size: int) -> None:
        more = sum(1 for _ in columns)
        if self.columns_ended or more:
            message = f"columns.ndjson holds {'more' if more else 'fewer'} lines than {size}"
            self.report.add(Finding("columns-count", message + ", the checkpoint's size"))

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
