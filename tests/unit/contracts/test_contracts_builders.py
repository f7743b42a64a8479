"""Typed builders: ids and times filled in, results valid, mistakes refused early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict, Unpack
from uuid import UUID

import pytest

from contracts import builders as b
from contracts import canonical
from contracts.codec import decode_envelope
from contracts.enums import (
    ActionCategory,
    IncidentKind,
    NotifyChannel,
    RecipientRole,
    ReportChannel,
)
from contracts.envelope import Actor, Envelope
from contracts.errors import ContractError
from contracts.events import IncidentReported, Site
from contracts.events.privacy import PRIVACY_STREAM
from contracts.events.profile import OrganisationProfile
from contracts.levels import (
    Basis,
    CasualtySeverity,
    ClaimStatus,
    EvidenceKind,
    Level,
    LossCategory,
    Regime,
    ReportStage,
    Severity,
)

pytestmark = pytest.mark.unit


class _Extra(TypedDict, total=False):
    """The envelope fields a test sets beside ``ENV``'s."""

    event_id: UUID
    occurred_at: datetime
    expected_version: int


class _Change(TypedDict, total=False):
    """The envelope fields a refusal test spoils."""

    incident_id: str
    occurred_at: datetime
    source: str


ACTOR = Actor(id="cs-agent-01", name="王芳", role="agent")
ENV: b.EnvelopeArgs = {"incident_id": "INC-1", "source": "property-cs", "actor": ACTOR}
AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SHA = "0" * 64


def _report(detected_at: datetime | None = None, **extra: Unpack[_Extra]) -> Envelope:
    env: b.EnvelopeArgs = {**ENV, **extra}
    return b.report_incident(
        kind=IncidentKind.FIRE,
        title="Smoke",
        site=Site(name="B2"),
        channel=ReportChannel.PHONE,
        detected_at=detected_at,
        **env,
    )


def test_builder_fills_uuid7_and_now() -> None:
    before = datetime.now(UTC)
    envelope = _report()
    assert envelope.event_id.version == 7
    assert before <= envelope.occurred_at <= datetime.now(UTC)
    assert envelope.type == "incident.reported.v1"
    assert isinstance(envelope.payload, IncidentReported)
    assert decode_envelope(canonical.encode(envelope)) == envelope


def test_builder_keeps_given_ids_and_times() -> None:
    event_id = UUID("0193a5b0-4f00-7000-8000-000000000001")
    envelope = _report(event_id=event_id, occurred_at=AT, expected_version=0)
    assert (envelope.event_id, envelope.occurred_at, envelope.expected_version) == (event_id, AT, 0)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"incident_id": "bad id"}, "$.incident_id"),
        ({"occurred_at": datetime(2026, 1, 1)}, "$.occurred_at"),
        ({"source": ""}, "$.source"),
    ],
)
def test_builder_refuses_invalid_envelopes(change: _Change, path: str) -> None:
    env: b.EnvelopeArgs = {**ENV, **change}
    with pytest.raises(ContractError) as info:
        b.report_incident(
            kind=IncidentKind.FIRE,
            title="Smoke",
            site=Site(name="B2"),
            channel=ReportChannel.PHONE,
            **env,
        )
    assert info.value.path == path


def test_builder_refuses_naive_payload_times_and_bad_money() -> None:
    with pytest.raises(ContractError):
        _report(detected_at=datetime(2026, 1, 1))
    with pytest.raises(ContractError) as info:
        b.record_loss(
            loss_id="L1",
            category=LossCategory.CASH,
            amount_minor=-5,
            currency="CNY",
            basis=Basis.ESTIMATE,
            **ENV,
        )
    assert info.value.path == "$.payload.amount_minor"


def test_every_builder_produces_its_type() -> None:
    env: b.EnvelopeArgs = {**ENV, "occurred_at": AT}
    made = [
        b.classify(severity=Severity.SEV3, **env),
        b.activate_plan(plan_id="p", level=Level.GENERAL, **env),
        b.notify(recipient_role=RecipientRole.POLICE_110, channel=NotifyChannel.PHONE, **env),
        b.dispatch_responder(responder="x", eta=AT + timedelta(minutes=5), **env),
        b.responder_arrived(responder="x", **env),
        b.responder_departed(responder="x", **env),
        b.take_action(category=ActionCategory.CORDON, **env),
        b.escalate(from_level=Level.GENERAL, to_level=Level.MAJOR, reason="r", **env),
        b.record_casualty(count=1, severity=CasualtySeverity.MINOR, **env),
        b.record_loss(
            loss_id="L",
            category=LossCategory.CASH,
            amount_minor=1,
            currency="EUR",
            basis=Basis.FINAL,
            **env,
        ),
        b.revise_loss(
            loss_id="L",
            category=LossCategory.CASH,
            amount_minor=2,
            currency="EUR",
            basis=Basis.FINAL,
            reason="r",
            **env,
        ),
        b.attach_evidence(kind=EvidenceKind.PHOTO, uri="s3://x", sha256=SHA, **env),
        b.restore_service(service="CRM", **env),
        b.resolve(reason="r", **env),
        b.close(reason="r", **env),
        b.reopen(reason="r", **env),
        b.cancel(reason="r", **env),
        b.file_report(
            regime=Regime.DORA,
            stage=ReportStage.INITIAL,
            recipient="NCA",
            submitted_at=AT,
            document_sha256=SHA,
            **env,
        ),
        b.open_claim(claim_number="C", insurer="I", policy_number="P", currency="EUR", **env),
        b.update_claim(
            claim_number="C",
            insurer="I",
            policy_number="P",
            status=ClaimStatus.DENIED,
            currency="EUR",
            **env,
        ),
        b.waive_deadline(deadline_ref="d", authorised_by="a", reason="r", **env),
        b.pause_deadline(deadline_ref="d", authorised_by="a", reason="r", **env),
        b.resume_deadline(deadline_ref="d", authorised_by="a", reason="r", **env),
        b.add_note(text="n", **env),
        b.correct_event(corrects_event_id=UUID(int=1), corrected={"title": "t"}, reason="r", **env),
    ]
    organisation = OrganisationProfile(country="DE", timezone="Europe/Berlin")
    who: b.ProfileArgs = {"source": "s", "actor": env["actor"]}
    made += [
        b.register_organisation(organisation_id="o", name="O", profile=organisation, **who),
        b.update_organisation(organisation_id="o", name="O", profile=organisation, **who),
        b.register_site(organisation_id="o", site_id="s", name="S", **who),
        b.update_site(organisation_id="o", site_id="s", name="S", **who),
        b.record_erasure(
            subject="INC-1:claimant",
            erased_at=datetime.now(UTC),
            erased_by="dpo",
            reason="r",
            incident_id=PRIVACY_STREAM,
            **who,
        ),
    ]
    types = {e.type for e in made} | {_report().type}
    from contracts.registry import DEFAULT_REGISTRY

    assert types == set(DEFAULT_REGISTRY.types)


def test_builder_refuses_a_currency_outside_iso_4217() -> None:
    """Given a loss in a three-letter code ISO 4217 does not know, when it is built, then it
    is refused at ``$.payload.currency``; KWD (three decimals) is accepted."""
    loss: dict[str, Any] = {"loss_id": "L", "category": LossCategory.CASH, "amount_minor": 1,
                            "basis": Basis.FINAL, "incident_id": "INC-1", "source": "s",
                            "actor": Actor(id="a")}  # fmt: skip
    with pytest.raises(ContractError) as info:
        b.record_loss(currency="QQQ", **loss)
    assert (info.value.code, info.value.path) == ("schema_violation", "$.payload.currency")
    built = b.record_loss(currency="KWD", **loss)
    assert getattr(built.payload, "currency", None) == "KWD"
