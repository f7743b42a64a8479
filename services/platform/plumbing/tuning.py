"""Process-wide tuning shared by the services' long-running loops."""

from __future__ import annotations

import gc


def tune_gc() -> None:
    """Fewer cyclic-GC passes: the hot paths allocate many short-lived, acyclic objects
    (messages, envelopes, rows, folded states), and each pass over the long-lived heap cost
    the ingest and the projector's folds a large share of their throughput (figures in
    tests/bench/README.md). Objects alive at the call are frozen out of collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
