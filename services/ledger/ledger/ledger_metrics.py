"""Prometheus metrics, served on ``/metrics``."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from itertools import accumulate

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import HistogramMetricFamily
from prometheus_client.registry import Collector

from ledger.domain.stalls import STAGES

APPENDED = Counter("ledger_events_appended", "Events recorded in the ledger")
REJECTED = Counter("ledger_events_rejected", "Events rejected, by code", ["code"])
BATCH_SIZE = Histogram(
    "ledger_ingest_batch_size",
    "Messages per ingest batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500),
)
COMMIT_SECONDS = Histogram(
    "ledger_commit_seconds",
    "Time to sequence and commit a batch",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
)


class StageHistogram(Collector):
    """``ledger_ingest_stage_seconds{stage}``: the time batches spent in each stage of the
    ingest's cycle (``ledger.domain.stalls``), a histogram as Prometheus reads it. Counted
    here with a bisection and two additions a stage: a ``Histogram``'s ``observe`` takes a
    lock for each value it moves, and nine a batch cost the ingest 40 µs on a busy core."""

    BOUNDS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)

    def __init__(self) -> None:
        self._bounds_ns = [round(b * 1e9) for b in self.BOUNDS]
        self._les = [*(repr(b) for b in self.BOUNDS), "+Inf"]
        self._counts = [[0] * (len(self.BOUNDS) + 1) for _ in STAGES]
        self._sums = [0] * len(STAGES)

    def observe_ns(self, stage: int, ns: int) -> None:
        self._counts[stage][bisect_left(self._bounds_ns, ns)] += 1
        self._sums[stage] += ns

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(
            "ledger_ingest_stage_seconds",
            "Time a batch spent in each stage of the ingest's cycle",
            labels=["stage"],
        )
        for stage, name in enumerate(STAGES):
            cumulative = accumulate(self._counts[stage])
            buckets = list(zip(self._les, cumulative, strict=True))
            family.add_metric([name], buckets, self._sums[stage] / 1e9)
        yield family


STAGE_SECONDS = StageHistogram()
REGISTRY.register(STAGE_SECONDS)
STALLS = Counter(
    "ledger_ingest_stalls",
    "Ingest cycles over LEDGER_INGEST_STALL_MS, by cause (the stage that took the time, or gc)",
    ["cause"],
)
PENDING = Gauge("ledger_consumer_pending", "Messages waiting in the ingest consumer")
LEADER = Gauge("ledger_sequencer_leader", "1 while this process leads the sequencer")
INTERNAL_ERRORS = Counter(
    "ledger_ingest_internal_errors",
    "Messages rejected because handling them raised unexpectedly, by exception class",
    ["error"],
)
