"""NATS subjects and streams: the contract for publishers (see contracts/README.md).

A ``namespace`` prefixes every subject and stream so that several ledgers, or parallel
tests, can share one NATS server. Production uses the empty namespace.
"""

from __future__ import annotations

import msgspec


class Topology(msgspec.Struct, frozen=True):
    namespace: str = ""

    def _subject(self, tail: str) -> str:
        return f"{self.namespace}.incidents.{tail}" if self.namespace else f"incidents.{tail}"

    def _stream(self, name: str) -> str:
        return f"{self.namespace.upper()}_{name}" if self.namespace else name

    @property
    def events_stream(self) -> str:
        return self._stream("INCIDENT_EVENTS")

    @property
    def rejected_stream(self) -> str:
        return self._stream("INCIDENT_REJECTED")

    @property
    def alerts_stream(self) -> str:
        return self._stream("INCIDENT_ALERTS")

    @property
    def checkpoints_stream(self) -> str:
        return self._stream("INCIDENT_CHECKPOINTS")

    @property
    def checkpoint_subject(self) -> str:
        """``incidents.checkpoints``: every signed checkpoint, as its signed note."""
        return self._subject("checkpoints")

    @property
    def audit_alert_subject(self) -> str:
        """``incidents.alerts.audit.refused``: the signer found history rewritten."""
        return self._subject("alerts.audit.refused")

    @property
    def alerts_wildcard(self) -> str:
        return self._subject("alerts.>")

    def alert_subject(self, kind: str) -> str:
        """``incidents.alerts.deadline.due_soon`` or ``….missed``."""
        return self._subject(f"alerts.deadline.{kind}")

    @property
    def events_wildcard(self) -> str:
        return self._subject("events.*.*")

    @property
    def rejected_wildcard(self) -> str:
        return self._subject("rejected.*")

    @property
    def ingest_consumer(self) -> str:
        return "ledger-ingest"

    @property
    def append_subject(self) -> str:
        """Request-reply subject on which the leading sequencer takes HTTP appends."""
        return self._subject("sequencer.append")

    def event_subject(self, source: str, incident_id: str) -> str:
        return self._subject(f"events.{source}.{incident_id}")

    def rejected_subject(self, source: str) -> str:
        return self._subject(f"rejected.{source}")

    def recorded_subject(self, incident_id: str) -> str:
        return self._subject(f"recorded.{incident_id}")

    def source_of(self, subject: str) -> str:
        """The ``<source>`` token of an event subject."""
        return subject.split(".")[-2]

    def incident_of(self, subject: str) -> str:
        """The ``<incident_id>`` token of an event subject."""
        return subject.rsplit(".", 1)[-1]
