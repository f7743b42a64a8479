"""The ingest's cycles timed: each batch's stages (``ledger.domain.stalls``) observed in
``ledger_ingest_stage_seconds``, and a cycle over ``LEDGER_INGEST_STALL_MS`` logged as a
stall, one line: the stage that took the time, each stage's ms, the batch's size, the
process's collections by generation since the cycle before, whether one ran during it
(and for how long), and how long the process waited for a core meanwhile."""

from __future__ import annotations

import structlog

from ledger import ledger_metrics as metrics
from ledger.domain.stalls import STAGES, classify
from ledger.store.cycle_marks import Cycle
from plumbing import gc_watch, run_queue


class StallWatch:
    def __init__(self, stall_ms: float) -> None:
        self.threshold_ns = int(stall_ms * 1e6)
        self._seen = list(gc_watch.COLLECTIONS)  # by generation, as the cycle before ended
        gc_watch.watch()

    def cycle(self) -> Cycle:
        """A cycle starting now."""
        return Cycle(
            len(STAGES), gc_watch.spent_ns(), gc_watch.collections(), run_queue.waited_ns()
        )

    def finish(self, cycle: Cycle, size: int) -> None:
        """``cycle`` (of ``size`` messages) is over: observed, and logged if it stalled."""
        observe = metrics.STAGE_SECONDS.observe_ns
        for stage, ns in enumerate(cycle.spent):
            if ns:
                observe(stage, ns)
        if cycle.last - cycle.began > self.threshold_ns:
            self._stalled(cycle, size)
        seen, now = self._seen, gc_watch.COLLECTIONS
        seen[0], seen[1], seen[2] = now[0], now[1], now[2]

    def _stalled(self, cycle: Cycle, size: int) -> None:
        gc_ns = gc_watch.spent_ns() - cycle.gc_ns
        cpu_wait = run_queue.waited_ns() - cycle.cpu_wait_ns if cycle.cpu_wait_ns else 0
        stall = classify(cycle.spent, self.threshold_ns, gc_ns, cpu_wait)
        if stall is None:
            return
        metrics.STALLS.labels(stall.cause).inc()
        # A logger asked for at each stall (rare): it follows the logging set up now.
        structlog.get_logger(__name__).warning(
            "ingest stall",
            stage=stall.stage,
            cause=stall.cause,
            ms=stall.total_ms,
            stages_ms=stall.stages_ms,
            batch=size,
            gc_since_last=[n - s for n, s in zip(gc_watch.COLLECTIONS, self._seen, strict=True)],
            gc_during=gc_watch.collections() > cycle.gc_collections,
            gc_ms=round(gc_ns / 1e6, 2),
            cpu_wait_ms=round(cpu_wait / 1e6, 2),
        )
