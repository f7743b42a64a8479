"""What ties a printed report to the ledger: the last event it includes (position and
record hash), the latest signed checkpoint, and how to verify both offline."""

from __future__ import annotations

from datetime import datetime

import msgspec


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    size: int
    root: str  # hex
    signed_at: datetime


class LedgerTie(msgspec.Struct, frozen=True, kw_only=True):
    incident_id: str
    position: int  # of the last event included
    hash: str  # its record hash, hex
    checkpoint: Checkpoint | None  # None: no checkpoint signed yet
    verify: str


def verify_command(incident_id: str) -> str:
    """The commands that check the incident's records against a signed checkpoint."""
    name = f"{incident_id}-bundle.zip"
    return (
        f"curl -H 'Authorization: Bearer <auditor token>' -o {name} "
        f"<api>/v1/incidents/{incident_id}/bundle && ledger-verify {name} --key <verifier key>"
    )
