"""The payload base class and the value objects that payloads share."""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from contracts.types import PERSONAL, Name, Ref, Short, Text


class Payload(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every payload. ``TYPE`` is the explicit, versioned tag; never the class name."""

    TYPE: ClassVar[str] = ""


class Personal(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Personal data of a reporter, casualty or claimant. Never required; kept apart so that
    it can later be stored as erasable commitments."""

    name: Annotated[Name | None, PERSONAL] = None
    phone: Annotated[Ref | None, PERSONAL] = None
    id_number: Annotated[Ref | None, PERSONAL] = None
    address: Annotated[Text | None, PERSONAL] = None
    employer: Annotated[Name | None, PERSONAL] = None
    note: Annotated[Text | None, PERSONAL] = None


class Site(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where it happened (地点)."""

    name: Short
    address: Text | None = None
    unit: Name | None = None
    location_code: Ref | None = None
