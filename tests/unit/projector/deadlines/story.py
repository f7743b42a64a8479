"""Telling an incident's story event by event, and reading its obligations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from contracts import builders
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from contracts.scenarios._dsl import digest
from projector.domain.deadlines import Context, Obligation, evaluate, load_packs
from projector.domain.facts import Fact

PACKS_DIR = Path(__file__).resolve().parents[4] / "services" / "projector" / "packs"
PACKS = {pack.id: pack for pack in load_packs(PACKS_DIR)}


def at(text: str, zone: str = "UTC") -> datetime:
    """A wall-clock time ``YYYY-MM-DD HH:MM`` in ``zone``."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


class Story:
    """One incident's log: each event gets the next position."""

    def __init__(self, incident_id: str = "INC-1") -> None:
        self.incident_id = incident_id
        self.facts: list[Fact] = []

    def then(
        self,
        build: Callable[..., Envelope],
        when: datetime,
        actor_role: str = "agent",
        **fields: Any,
    ) -> Story:
        envelope = build(
            incident_id=self.incident_id,
            source="test",
            actor=Actor(id="tester", role=actor_role),
            occurred_at=when,
            **fields,
        )
        position = len(self.facts) + 1
        self.facts.append(Fact(position, position, when, envelope))
        return self

    def reported(self, when: datetime, kind: str = "fire", **fields: Any) -> Story:
        site = Site(name="site")
        return self.then(
            builders.report_incident,
            when,
            kind=kind,
            title="t",
            site=site,
            channel="phone",
            **fields,
        )

    def classified(self, when: datetime, severity: str = "sev3", **fields: Any) -> Story:
        return self.then(builders.classify, when, severity=severity, **fields)

    def told(self, when: datetime, role: str, **fields: Any) -> Story:
        return self.then(builders.notify, when, recipient_role=role, channel="phone", **fields)

    def filed(self, when: datetime, regime: str, stage: str, recipient: str = "authority") -> Story:
        return self.then(
            builders.file_report,
            when,
            regime=regime,
            stage=stage,
            recipient=recipient,
            submitted_at=when,
            document_sha256=digest(f"{regime}{stage}{when}"),
        )

    def note(self, when: datetime, text: str) -> Story:
        return self.then(builders.add_note, when, text=text)

    def obligations(
        self, *pack_ids: str, now: datetime, context: Context | None = None
    ) -> dict[str, Obligation]:
        packs = [PACKS[p] for p in pack_ids]
        found = evaluate(packs, self.facts, now=now, context=context or Context())
        return {o.ref: o for o in found}
