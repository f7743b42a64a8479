"""Typed builders, one per event type: pure functions returning a validated ``Envelope``.

Each takes the payload's fields plus the envelope keywords (``incident_id``, ``source``,
``actor`` and optionally ``occurred_at``, ``event_id``, ``expected_version``,
``correlation_id``, ``causation_id``). ``event_id`` defaults to a fresh UUIDv7 and
``occurred_at`` to now. ``build(payload, ...)`` wraps any payload struct.
"""

from __future__ import annotations

from contracts.builders.base import EnvelopeArgs, build
from contracts.builders.finance import (
    file_report,
    open_claim,
    pause_deadline,
    record_loss,
    resume_deadline,
    revise_loss,
    update_claim,
    waive_deadline,
)
from contracts.builders.incident import (
    add_note,
    cancel,
    classify,
    close,
    correct_event,
    escalate,
    reopen,
    report_incident,
    resolve,
    restore_service,
)
from contracts.builders.privacy import record_erasure
from contracts.builders.profile import (
    ProfileArgs,
    register_organisation,
    register_site,
    update_organisation,
    update_site,
)
from contracts.builders.response import (
    activate_plan,
    attach_evidence,
    dispatch_responder,
    notify,
    record_casualty,
    responder_arrived,
    responder_departed,
    take_action,
)

__all__ = [
    "EnvelopeArgs",
    "ProfileArgs",
    "activate_plan",
    "add_note",
    "attach_evidence",
    "build",
    "cancel",
    "classify",
    "close",
    "correct_event",
    "dispatch_responder",
    "escalate",
    "file_report",
    "notify",
    "open_claim",
    "pause_deadline",
    "record_casualty",
    "record_erasure",
    "record_loss",
    "register_organisation",
    "register_site",
    "reopen",
    "report_incident",
    "resolve",
    "responder_arrived",
    "responder_departed",
    "restore_service",
    "resume_deadline",
    "revise_loss",
    "take_action",
    "update_claim",
    "update_organisation",
    "update_site",
    "waive_deadline",
]
