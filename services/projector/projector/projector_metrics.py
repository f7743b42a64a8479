"""Projector metrics, on the API's ``/metrics`` when they share a process."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

PROJECTED = Counter("projector_events", "Events folded into the read models")
LAG_POSITIONS = Gauge("projector_lag_positions", "Events recorded but not yet projected")
LAG_SECONDS = Gauge("projector_lag_seconds", "Age of the oldest event not yet projected")
ALERTS = Counter("projector_alerts", "Deadline alerts published, by kind", ["kind"])
