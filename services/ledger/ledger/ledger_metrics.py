"""Prometheus metrics, served on ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
STAGE_SECONDS = Histogram(
    "ledger_ingest_stage_seconds",
    "Time a batch spent in each stage of the ingest's cycle (ledger.domain.stalls)",
    ["stage"],
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1),
)
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
