"""A tiny script language for scenarios: ``s(minute, actor, payload)`` and short helpers."""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

import msgspec

from contracts.enums import ActionCategory, IncidentKind, NotifyChannel, RecipientRole
from contracts.enums import ReportChannel as Via
from contracts.envelope import Actor
from contracts.events import (
    ActionTaken,
    IncidentReported,
    NoteAdded,
    NotificationSent,
    Payload,
    Personal,
    ReportFiled,
    ResponderArrived,
    ResponderDeparted,
    ResponderDispatched,
    Site,
)
from contracts.levels import Regime, ReportStage


class Step(msgspec.Struct, frozen=True):
    minute: float
    actor: Actor
    payload: Payload


class Script:
    """The steps of one incident, with the context scenarios draw details from."""

    def __init__(self, start: datetime, index: int, rng: random.Random) -> None:
        self.start = start
        self.index = index
        self.rng = rng
        self.steps: list[Step] = []

    def __call__(self, minute: float, actor: Actor, *payloads: Payload) -> None:
        self.steps.extend(Step(minute, actor, p) for p in payloads)

    def at(self, minute: float) -> datetime:
        return self.start + timedelta(minutes=minute)

    def unit(self) -> str:
        return f"{self.rng.randint(1, 12)}-{self.rng.randint(1, 3)}-{self.rng.randint(101, 2402)}"

    def reported(
        self, kind: IncidentKind, title: str, site: str, via: Via, who: Personal | None = None
    ) -> IncidentReported:
        """接报, detected a minute before the report."""
        where = Site(name=site, unit=self.unit(), location_code=f"S{self.index:04d}")
        return IncidentReported(
            kind=kind, title=title, site=where, channel=via, detected_at=self.at(-1), personal=who
        )

    def filed(self, minute: float, regime: Regime, stage: ReportStage, to: str) -> ReportFiled:
        """A report submitted ``minute`` minutes in (its hash stands in for the document)."""
        doc = f"{regime}-{stage}-{self.index}-{minute}"
        return ReportFiled(
            regime=regime,
            stage=stage,
            recipient=to,
            submitted_at=self.at(minute),
            document_sha256=digest(doc),
            reference=f"R-{self.index}-{int(minute)}",
        )


def actor(id: str, name: str, role: str) -> Actor:
    return Actor(id=id, name=name, role=role)


def tell(
    role: RecipientRole, via: NotifyChannel, name: str = "", summary: str = "", ref: str = ""
) -> NotificationSent:
    """上报/通知/报警 to ``role``."""
    return NotificationSent(
        recipient_role=role,
        recipient_name=name,
        channel=via,
        summary=summary,
        reference=ref or None,
    )


def act(category: ActionCategory, text: str = "", who: Personal | None = None) -> ActionTaken:
    return ActionTaken(category=category, text=text, personal=who)


def note(text: str) -> NoteAdded:
    return NoteAdded(text=text)


def dispatch(s: Script, name: str, role: RecipientRole, eta: float) -> ResponderDispatched:
    return ResponderDispatched(responder=name, team=role.value, role=role, eta=s.at(eta))


def arrive(name: str, role: RecipientRole | None = None, plate: str = "") -> ResponderArrived:
    team = role.value if role else "in_house"
    return ResponderArrived(responder=name, team=team, role=role, vehicle_plate=plate or None)


def depart(name: str, role: RecipientRole | None = None, to: str = "") -> ResponderDeparted:
    team = role.value if role else "in_house"
    return ResponderDeparted(responder=name, team=team, role=role, destination=to)


def digest(text: str) -> str:
    """A stand-in SHA-256 for a simulated document."""
    return hashlib.sha256(text.encode()).hexdigest()
