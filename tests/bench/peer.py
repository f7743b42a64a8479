"""The peer: PyPI's ``eventsourcing`` library on the same PostgreSQL, aggregates of 10."""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Incident(Aggregate):
    @event("Reported")
    def __init__(self, title: str) -> None:
        self.title = title
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


class Incidents(Application[UUID]):
    pass


def eventsourcing_rate(url: str, events: int) -> float:
    parts = urlsplit(url)
    os.environ.update(
        {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": parts.username or "",
            "POSTGRES_PASSWORD": parts.password or "",
        }
    )
    app = Incidents()
    aggregates = events // 10
    started = time.perf_counter()
    for i in range(aggregates):
        incident = Incident(title=f"incident {i}")
        for k in range(9):
            incident.note(f"step {k} of a realistic length, as a duty manager would type")
        app.save(incident)
    elapsed = time.perf_counter() - started
    app.close()
    return round(aggregates * 10 / elapsed, 1)
