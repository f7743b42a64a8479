"""A whole export checked by one worker process per core (standard library
``concurrent.futures``), as ``ledger verify`` checks the live database.

The log is cut into stretches of 32 entry bundles (8,192 records, so that each stretch's
tree joins the ones before it whole). Each worker checks its stretch's records exactly as
a single run does (``export_bundles.Bundles``, its checker in stretch mode), given the
stretch's columns lines; this process hands them out, in order, and stitches what comes
back: the findings, per-incident continuity across the seams (each incident's first
record in a stretch against its last one before), the tree, and the level-0 tiles'
roots for the upper tiles. The findings are the ones a single run makes.

Only an export whose entry bundles all sit where its checkpoint says is cut up; any other
(and a run from a pin) is checked in one process, which judges every record at the place
it actually holds.
"""

from __future__ import annotations

import io
import itertools
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ledger_verify.compact import CompactRange
from ledger_verify.export_bundles import Bundles
from ledger_verify.pin_file import Head
from ledger_verify.records import First, continuity
from ledger_verify.report import Finding, Report
from ledger_verify.tiles import WIDTH, tile_path
from ledger_verify.upper_tiles import UpperTiles, tile_root

BUNDLES = 32  # entry bundles to a stretch: 8,192 records, a power of two
PARALLEL_FROM = 65_536  # below this, starting processes costs more than they save


@dataclass
class Part:
    """What a worker found in its stretch, for the stitching."""

    findings: list[Finding] = field(default_factory=list)
    verdicts: set[int] = field(default_factory=set)
    dropped: int = 0
    events: int = 0
    firsts: list[First] = field(default_factory=list)
    lasts: dict[str, Head] = field(default_factory=dict)
    tree: CompactRange = field(default_factory=CompactRange)
    roots: list[bytes | None] = field(default_factory=list)  # full level-0 tiles, as stored
    columns_ended: bool = False


def workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def laid_out(directory: Path, size: int) -> bool:
    """Whether every entry bundle of a ``size``-record log is where it belongs."""
    full, rest = divmod(size, WIDTH)
    paths = [tile_path("entries", i) for i in range(full)]
    paths += [tile_path("entries", full, rest)] if rest else []
    return all((directory / p).is_file() for p in paths)


def check_stretch(
    directory: str, first: int, last: int, size: int, lines: bytes, origin: str, quick: bool
) -> Part:
    """Entry bundles ``first`` … ``last - 1`` of a ``size``-record log, checked."""
    report = Report("export")
    bundles = Bundles(Path(directory), report, quick, stretch=True)
    bundles.checker.origin = origin
    roots: list[bytes | None] = []
    with io.BytesIO(lines) as columns:
        for index in range(first, last):
            width = min(WIDTH, size - index * WIDTH)
            tile = bundles.bundle(index, width, size, columns)
            roots += [tile_root(tile)] if width == WIDTH else []
    checker = bundles.checker
    return Part(
        report.findings, report.verdicts, report.dropped, report.events,
        checker.firsts or [], checker.heads, bundles.tree, roots, bundles.columns_ended,
    )  # fmt: skip


class Stitch:
    """The parts, in order, folded into the whole run's report, tree and heads."""

    def __init__(self, report: Report, upper: UpperTiles) -> None:
        self.report, self.upper = report, upper
        self.tree, self.heads = CompactRange(), dict[str, Head]()
        self.columns_ended = False

    def add(self, part: Part) -> None:
        report = self.report
        report.merge(part.findings, part.verdicts, part.dropped)
        report.events += part.events
        heads = self.heads
        for first in part.firsts:
            head = heads.get(first[1])
            if not _continues(first, head) and (found := continuity(first, head)):
                report.extend(found)
        heads.update(part.lasts)
        self.tree = self.tree.joined(part.tree)
        for root in part.roots:
            self.upper.full_root(0, root)
        self.columns_ended |= part.columns_ended


def _continues(first: First, head: Head | None) -> bool:
    """Whether ``first`` follows ``head`` soundly: the common case, told quickly."""
    _, _, version, prev, _ = first
    if head is None:
        return version == 1 and prev is None
    return (
        version == head[0] + 1 and type(prev) is dict and len(prev) == 2
        and prev.get("position") == head[1] and prev.get("hash") == head[2]
    )  # fmt: skip


def walk(
    directory: Path,
    size: int,
    origin: str,
    columns: IO[bytes],
    stitch: Stitch,
    progress: Callable[[int, int], None] | None,
    processes: int,
    quick: bool,
) -> None:
    """Every stretch checked in ``processes`` workers, stitched in order as they come;
    at most two stretches per worker in flight, so memory stays flat."""
    pending: deque[Future[Part]] = deque()
    bundles, step = -(-size // WIDTH), BUNDLES
    with ProcessPoolExecutor(processes) as pool:
        for first in range(0, bundles, step):
            count = min(step * WIDTH, size - first * WIDTH)
            lines = b"".join(itertools.islice(columns, count))
            last = min(first + step, bundles)
            pending.append(pool.submit(
                check_stretch, str(directory), first, last, size, lines, origin, quick
            ))  # fmt: skip
            while len(pending) >= 2 * processes:
                _next(pending, stitch, size, progress)
        while pending:
            _next(pending, stitch, size, progress)


def _next(
    pending: deque[Future[Part]],
    stitch: Stitch,
    size: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    stitch.add(pending.popleft().result())
    if progress:
        progress(stitch.tree.size, size)
