"""Where one batch's time goes on its way through the ingest (``ledger.domain.stalls``):
a mark at the end of each stage adds the time since the previous mark to that stage.
Cheap enough for every batch: a clock read and an addition per mark, no allocation."""

from __future__ import annotations

from time import perf_counter_ns


class Cycle:
    __slots__ = ("began", "cpu_wait_ns", "gc_collections", "gc_ns", "last", "spent")

    def __init__(
        self, stages: int, gc_ns: int = 0, gc_collections: int = 0, cpu_wait_ns: int = 0
    ) -> None:
        self.began = self.last = perf_counter_ns()
        self.spent = [0] * stages
        # the process's collections and their time so far, and its time waiting for a
        # core: to tell those during the cycle
        self.gc_ns, self.gc_collections = gc_ns, gc_collections
        self.cpu_wait_ns = cpu_wait_ns

    def idle(self, ns: int) -> None:
        """Leave out ``ns`` just spent waiting for work (before the cycle's first message)."""
        self.began += ns
        self.last += ns

    def mark(self, stage: int) -> None:
        """The time since the previous mark was spent in ``stage``."""
        now = perf_counter_ns()
        self.spent[stage] += now - self.last
        self.last = now


class Unmarked(Cycle):
    """A cycle nobody times (appends outside the ingest's loop, such as HTTP's)."""

    __slots__ = ()

    def mark(self, stage: int) -> None:
        pass


UNMARKED = Unmarked(0)
