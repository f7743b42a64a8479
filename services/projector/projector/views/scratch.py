"""A file written once by a slow writer (possibly on another thread), in a directory of its
own that only this process's user can enter (mode 0700, :func:`tempfile.mkdtemp`), and
certainly removed: a spreadsheet of claimants' names must not outlive the request that made
it, whether the request completes, fails or is abandoned mid-write."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

_OPEN, _FILLING, _FILLED = "open", "filling", "filled"


class Scratch:
    """``path``, a file not yet written, in a fresh private directory. :meth:`fill` runs the
    writer once; :meth:`discard` removes the directory at once, or, while the writer runs,
    the moment it returns (it cannot write there after that)."""

    def __init__(self, name: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-"))
        self.path = str(self.dir / name)
        self._lock = threading.Lock()
        self._state = _OPEN
        self._discarded = False

    def fill(self, write: Callable[[], None]) -> None:
        """``write`` run, unless it has run (or is running) or the file was discarded."""
        with self._lock:
            if self._state != _OPEN or self._discarded:
                return
            self._state = _FILLING
        try:
            write()
        finally:
            with self._lock:
                self._state, late = _FILLED, self._discarded
            if late:
                self._remove()

    def chunks(self, close: Callable[[], None], size: int = 1 << 16) -> Iterator[bytes]:
        """The file, written first by ``close`` (which fills it, once), in chunks; its name
        removed as soon as it is open for reading (before the first chunk), so that a reader
        who never reads to the end (a server's client leaving mid-download) leaves nothing
        behind."""
        try:
            close()
            file = open(self.path, "rb")  # noqa: SIM115 (closed below, once named away)
        finally:
            self.discard()
        with file:
            while chunk := file.read(size):
                yield chunk

    def discard(self) -> None:
        with self._lock:
            self._discarded = True
            busy = self._state == _FILLING
        if not busy:
            self._remove()

    def _remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def discarded_on_error(discard: Callable[[], None]) -> Iterator[None]:
    """``discard`` run if the block fails, the failure then raised on: a file (or a book and
    its writer) whose making failed midway is gone at once and never used again, whether or
    not its caller leaves a ``with`` block that would discard it."""
    try:
        yield
    except BaseException:
        discard()
        raise
