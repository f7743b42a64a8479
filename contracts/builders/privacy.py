"""Builder for the ledger's record of an erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from contracts.builders.base import EnvelopeArgs, build
from contracts.envelope import Envelope
from contracts.events.privacy import SubjectErased


def record_erasure(
    *,
    subject: str,
    erased_at: datetime,
    erased_by: str,
    reason: str,
    **env: Unpack[EnvelopeArgs],
) -> Envelope:
    """``subject.erased.v1``, in the privacy stream (``incident_id``)."""
    erased = SubjectErased(subject=subject, erased_at=erased_at, erased_by=erased_by, reason=reason)
    return build(erased, **env)
