"""The envelope around a payload: ids and times filled in, the result validated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NotRequired, Required, TypedDict, Unpack
from uuid import UUID

from uuid6 import uuid7

from contracts import canonical, money
from contracts.codec import validate
from contracts.envelope import Actor, Envelope
from contracts.errors import ContractError
from contracts.events import Payload


class EnvelopeArgs(TypedDict, total=False):
    """The envelope fields every builder takes as keyword arguments."""

    incident_id: Required[str]
    source: Required[str]
    actor: Required[Actor]
    occurred_at: NotRequired[datetime | None]
    event_id: NotRequired[UUID | None]
    expected_version: NotRequired[int | None]
    correlation_id: NotRequired[str | None]
    causation_id: NotRequired[str | None]


def build(payload: Payload, **args: Unpack[EnvelopeArgs]) -> Envelope:
    """Wrap ``payload`` in an envelope (UUIDv7 ``event_id``, ``occurred_at`` = now by
    default) and validate it exactly as the ledger will; raise ``ContractError`` if not."""
    occurred_at = args.get("occurred_at") or datetime.now(UTC)
    if occurred_at.tzinfo is None:
        raise ContractError("schema_violation", "occurred_at must have an offset", "$.occurred_at")
    envelope = Envelope(
        event_id=args.get("event_id") or uuid7(),
        incident_id=args["incident_id"],
        type=payload.TYPE,
        occurred_at=occurred_at,
        source=args["source"],
        actor=args["actor"],
        expected_version=args.get("expected_version"),
        correlation_id=args.get("correlation_id"),
        causation_id=args.get("causation_id"),
        payload=payload,
    )
    try:
        tree = canonical.to_builtins(envelope)
    except ValueError as exc:
        raise ContractError("schema_violation", str(exc), "$.payload") from None
    envelope = validate(tree)
    money.check(envelope.payload)
    return envelope
