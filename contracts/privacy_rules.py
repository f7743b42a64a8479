"""Where the ledger's record of an erasure travels: ``subject.erased`` only in
:data:`~contracts.events.privacy.PRIVACY_STREAM`, and nothing else there. Pure. (That only
the ledger itself records one is the ingest's rule: ``ledger.ingest``.)"""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.errors import ContractError
from contracts.events.privacy import PRIVACY_STREAM, SubjectErased


def check(envelope: Envelope) -> None:
    """Raise ``ContractError`` (``schema_violation`` at ``$.incident_id``) if ``envelope``
    breaks the privacy stream's rule."""
    erasure = isinstance(envelope.payload, SubjectErased)
    if erasure != (envelope.incident_id == PRIVACY_STREAM):
        where = "is recorded only in" if erasure else "holds only subject.erased events:"
        raise ContractError(
            "schema_violation",
            f"{SubjectErased.TYPE} {where} stream {PRIVACY_STREAM!r}"
            if erasure
            else f"stream {PRIVACY_STREAM!r} {where} use another incident_id",
            "$.incident_id",
        )
