"""The ledger's own record of an erasure (docs/erasure.md): a data subject's key destroyed.
It names the subject, who erased it, when and why; it holds no personal data."""

from __future__ import annotations

from typing import Annotated, ClassVar, Final

import msgspec

from contracts.events.base import Payload
from contracts.types import AwareDatetime, Name, Text

PRIVACY_STREAM: Final = "_privacy"
"""The stream every ``subject.erased`` is recorded in, and the only one it may be."""


class SubjectErased(Payload, frozen=True, kw_only=True):
    """抹除 (personal data erased): ``subject``'s key was destroyed at ``erased_at``; every
    value sealed under it reads "erased" for ever. Recorded by the ledger itself only."""

    TYPE: ClassVar[str] = "subject.erased.v1"
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    erased_at: AwareDatetime
    erased_by: Name
    reason: Text
