"""Finding a position's line in an export's ``columns.ndjson`` without reading the lines
before it: an incremental run starts after the pin, and reading a year's columns (some
400 bytes a record) only to count them would cost more than checking the new records.

The lines are in position order, so the line is found by bisecting the file's bytes (a
few dozen short reads), and then must say it is that position's; otherwise (an export
whose old lines are out of order or unreadable) the caller counts lines instead.
Standard library only."""

from __future__ import annotations

import json
import os
from typing import IO


def seek_past(columns: IO[bytes], position: int) -> bool:
    """Leaves ``columns`` at the start of the line after ``position``'s, if found."""
    lo, hi = 0, os.fstat(columns.fileno()).st_size
    while lo < hi:
        mid = (lo + hi) // 2
        found = _position(_line_from(columns, mid)[1])
        if found is None or found >= position:
            hi = mid
        else:
            lo = mid + 1
    start, line = _line_from(columns, lo)
    if _position(line) != position:
        columns.seek(0)
        return False
    columns.seek(start + len(line))
    return True


def _line_from(columns: IO[bytes], offset: int) -> tuple[int, bytes]:
    """The first line that starts at ``offset`` or after it: its start, and it."""
    if offset:
        columns.seek(offset - 1)
        columns.readline()  # the rest of the line holding byte offset - 1
    else:
        columns.seek(0)
    return columns.tell(), columns.readline()


def _position(line: bytes) -> int | None:
    try:
        value = json.loads(line)["position"]
    except (ValueError, TypeError, KeyError):
        return None
    return value if type(value) is int else None
