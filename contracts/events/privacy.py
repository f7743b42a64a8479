"""The ledger's own record of an erasure (docs/erasure.md): a data subject's key destroyed,
or, with ``fields``, only the subject's values at those fields (a retention policy of
fields). It names the subject, who erased it, when and why; it holds no personal data."""

from __future__ import annotations

from typing import Annotated, ClassVar, Final

import msgspec

from contracts.events.base import Payload
from contracts.types import AwareDatetime, Name, Text

PRIVACY_STREAM: Final = "_privacy"
"""The stream every ``subject.erased`` is recorded in, and the only one it may be."""


class SubjectErased(Payload, frozen=True, kw_only=True, omit_defaults=True):
    """抹除 (personal data erased): ``subject``'s key was destroyed at ``erased_at``; every
    value sealed under it reads "erased" for ever. With ``fields``, only the values at those
    fields of its ``personal`` blocks were erased, the key kept. Recorded by the ledger
    itself only."""

    TYPE: ClassVar[str] = "subject.erased.v1"
    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    erased_at: AwareDatetime
    erased_by: Name
    reason: Text
    # Absent (never written empty: an erasure of the whole subject is encoded as before
    # ``fields`` existed, byte for byte): the whole subject.
    fields: Annotated[
        tuple[Annotated[str, msgspec.Meta(min_length=1, max_length=64)], ...],
        msgspec.Meta(max_length=32),
    ] = ()
