"""Prometheus metrics, served on ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

APPENDED = Counter("ledger_events_appended", "Events recorded in the ledger")
REJECTED = Counter("ledger_events_rejected", "Events rejected, by code", ["code"])
BATCH_SIZE = Histogram(
    "ledger_ingest_batch_size",
    "Messages per ingest batch",
    buckets=(1, 10, 50, 100, 250, 500, 1000, 2500),
)
