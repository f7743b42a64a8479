"""The data directory, held by one ``ledger up`` at a time."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from plumbing.paths import PRIVATE_DIR, PRIVATE_FILE


class DataDirInUse(RuntimeError):
    pass


class DataDirLock:
    """An exclusive ``flock`` on ``<data_dir>/ledger.lock``; the kernel drops it when the
    holder dies, however it dies, so a crash never leaves the directory locked."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "ledger.lock"
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        # A new data directory is its owner's alone (under root, the embedded PostgreSQL's
        # set-up then lets its service user through to its own directory, and no further).
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        handle = os.fdopen(os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE), "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DataDirInUse(
                f"data directory {self.path.parent.resolve()} is in use by another "
                f"`ledger up` (pid {holder}); stop it first, or set LEDGER_DATA_DIR "
                "to another directory"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
