"""Process pools for CPU work beside the event loop (``ledger verify``, the ingest's decoding).

Spawned, not forked: no child inherits the event loop or a database connection. And each
worker ends itself when its parent is gone: a spawned pool worker holds both ends of its
job pipe, so it never sees end-of-file when the parent is killed, and would otherwise
live on as an orphan.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

FOLLOW_SECONDS = 1.0


def pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, context, _start, (os.getpid(), initializer, initargs))


def _start(parent: int, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    threading.Thread(target=_follow, args=(parent,), name="follow-parent", daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _follow(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(FOLLOW_SECONDS)
    os._exit(0)
