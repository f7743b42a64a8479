"""The cyclic garbage collector's collections in this process, counted as they end
(``gc.callbacks``), with the time they took: a stall log can then tell whether one ran."""

from __future__ import annotations

import gc
from time import perf_counter_ns
from typing import Any

COLLECTIONS = [0, 0, 0]  # by generation
_time = [0, 0]  # total ns spent collecting; when the running collection started


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _time[1] = perf_counter_ns()
    else:
        COLLECTIONS[info["generation"]] += 1
        _time[0] += perf_counter_ns() - _time[1]


def watch() -> None:
    """Start counting (once per process)."""
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def spent_ns() -> int:
    """Time spent collecting since ``watch``."""
    return _time[0]


def collections() -> int:
    return COLLECTIONS[0] + COLLECTIONS[1] + COLLECTIONS[2]
