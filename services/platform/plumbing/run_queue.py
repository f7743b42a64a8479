"""Time this process's main thread spent ready to run but waiting for a core: the second
field of Linux's ``/proc/self/schedstat`` (ns). A pause it explains is the machine's (other
processes had the cores), not this process's. Read with one ``pread`` on a descriptor kept
open; 0 where the kernel does not provide it."""

from __future__ import annotations

import os

_fd: list[int | None] = []  # opened on first use, once per process


def _opened() -> int | None:
    if not _fd:
        try:
            _fd.append(os.open("/proc/self/schedstat", os.O_RDONLY))
        except OSError:
            _fd.append(None)
    return _fd[0]


def waited_ns() -> int:
    """The main thread's time on a run queue since it started (0 if unknown)."""
    fd = _opened()
    if fd is None:
        return 0
    try:
        return int(os.pread(fd, 128, 0).split(maxsplit=2)[1])
    except (OSError, IndexError, ValueError):
        return 0
