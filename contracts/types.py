"""Constrained scalar types shared by the envelope and every payload.

The bounds here are the static contract (they appear in the JSON Schema); the runtime
limits in :mod:`contracts.limits` are configurable caps applied before these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

MAX_SAFE_INTEGER = 2**53 - 1
"""Integers must lie within ±(2^53−1), so that every JSON reader keeps them exact."""

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

PERSONAL = msgspec.Meta(extra={"personal": True})
"""Marks a field as personal data (``Annotated[str, PERSONAL]``): blanked by
:func:`contracts.personal.redact` for whoever may not see it. Not part of the JSON Schema."""

IncidentId = Annotated[
    str, msgspec.Meta(pattern=TOKEN_PATTERN, description="Fits in one NATS subject token.")
]
SourceId = Annotated[
    str, msgspec.Meta(pattern=TOKEN_PATTERN, description="The publishing system's id.")
]
AwareDatetime = Annotated[
    datetime, msgspec.Meta(tz=True, description="RFC 3339 with an offset; never naive.")
]
TypeTag = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*\.v[1-9][0-9]*$")]

Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Uri = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
FieldName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Currency = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 alphabetic code: one of contracts.money.CODES (Babel's list).",
    ),
]
"""Shaped here; that the code is one of ISO 4217's is checked on decoding a publication
(:func:`contracts.money.check`), as a JSON Schema enum of every code would be unwieldy."""
Sha256 = Annotated[
    str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$", description="Lower-case hex SHA-256.")
]
Minor = Annotated[
    int,
    msgspec.Meta(
        ge=0, le=MAX_SAFE_INTEGER, description="An amount in integer minor units (cents, fen)."
    ),
]
Count = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
Version = Annotated[int, msgspec.Meta(ge=0, le=MAX_SAFE_INTEGER)]
