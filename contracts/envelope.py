"""The envelope every incident event travels in.

``Envelope.payload`` is the typed payload struct named by ``type`` (see
:mod:`contracts.registry`); ``canonical.to_builtins(envelope)`` gives the JSON object as
the publisher sent it, in canonical form, with ``type`` at the top level.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec

from contracts.events.base import Payload
from contracts.types import PERSONAL, AwareDatetime, IncidentId, Ref, SourceId, TypeTag, Version

__all__ = [
    "Actor",
    "AwareDatetime",
    "Envelope",
    "EnvelopeFields",
    "IncidentId",
    "RawEnvelope",
    "SourceId",
]


class Actor(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Who did it: a person or a system, with the role they acted in."""

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    name: Annotated[str, msgspec.Meta(max_length=200), PERSONAL] = ""
    role: Annotated[str, msgspec.Meta(max_length=100)] = ""


class EnvelopeFields(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The envelope fields other than ``type`` and ``payload`` (shared with the schema)."""

    event_id: UUID
    incident_id: IncidentId
    occurred_at: AwareDatetime
    source: SourceId
    actor: Actor
    expected_version: Version | None = None
    correlation_id: Ref | None = None
    causation_id: Ref | None = None


class _Header(EnvelopeFields, frozen=True, kw_only=True):
    type: TypeTag


class RawEnvelope(_Header, frozen=True, kw_only=True):
    """The envelope with its payload still undecoded (first decoding stage)."""

    payload: dict[str, Any]


class Envelope(_Header, frozen=True, kw_only=True):
    """A validated event: the header plus the payload struct registered for ``type``."""

    payload: Payload
