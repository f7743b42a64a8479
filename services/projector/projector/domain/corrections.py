"""Corrections (``event.corrected.v1``) applied to an incident's facts before they are folded.

A correction names an earlier event of the same incident and a few of its payload fields
with their new values. The corrected event is folded as if it had been recorded with them;
the log never changes, and :class:`Amendment` keeps the original value and the correcting
event's position one field away. A correction is checked by decoding the corrected payload
through the payload's own struct; one that would not pass, names no earlier event of the
incident, or touches a field no correction may change is kept in the log, ignored by the
folds and listed with its reason (:class:`Ignored`). What may be corrected, field by field:
``docs/corrections.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
import msgspec.inspect as mi
from msgspec.structs import replace

from contracts.events import EventCorrected, Payload
from contracts.personal import personal_fields
from projector.domain.facts import Fact

__all__ = ["FIXED", "Amendment", "Applied", "Ignored", "any_in", "apply", "as_recorded"]

FIXED = frozenset({"loss_id", "claim_number", "sha256", "document_sha256"})
"""Identities (a loss line or a claim is never moved to another) and the hashes that tie a
record to a document outside the ledger (attached or filed again, never corrected)."""


class Amendment(msgspec.Struct, frozen=True, kw_only=True):
    """One field of one event, as corrected: what it said and what it says now."""

    position: int  # the corrected event's
    event_id: str
    type: str
    field: str
    original: Any
    value: Any
    corrected_by: int  # the correcting event's position
    reason: str


class Ignored(msgspec.Struct, frozen=True, kw_only=True):
    """A correction the folds ignore, and why."""

    position: int  # the correction's
    corrects_event_id: str
    reason: str


class Applied(msgspec.Struct, frozen=True, kw_only=True):
    facts: list[Fact]  # as corrected, in position order
    amendments: tuple[Amendment, ...] = ()
    ignored: tuple[Ignored, ...] = ()
    originals: dict[int, Fact] = {}  # the facts as recorded, of those corrected, by position


def any_in(facts: Sequence[Fact]) -> bool:
    return any(isinstance(f.envelope.payload, EventCorrected) for f in facts)


def as_recorded(facts: Sequence[Fact], originals: dict[int, Fact]) -> list[Fact]:
    """``facts`` (as corrected) with every corrected one as it was recorded."""
    return [originals.get(f.position, f) for f in facts]


def apply(facts: Sequence[Fact]) -> Applied:
    """One incident's facts (as recorded, in position order) with their corrections applied,
    in position order: a later correction of the same field wins."""
    if not any_in(facts):
        return Applied(facts=list(facts))
    out, index = list(facts), dict[UUID, int]()
    amendments: list[Amendment] = []
    ignored: list[Ignored] = []
    originals: dict[int, Fact] = {}
    for i, fact in enumerate(facts):
        if isinstance(payload := fact.envelope.payload, EventCorrected):
            at = index.get(payload.corrects_event_id)
            found = _amended(None if at is None else out[at], fact, payload)
            if isinstance(found, str):
                ignored.append(_ignored(fact, payload, found))
            elif at is not None:
                originals.setdefault(out[at].position, out[at])
                out[at], changes = found
                amendments.extend(changes)
        index[fact.envelope.event_id] = i
    return Applied(facts=out, amendments=(*amendments,), ignored=(*ignored,), originals=originals)


def _ignored(fact: Fact, payload: EventCorrected, reason: str) -> Ignored:
    return Ignored(
        position=fact.position, corrects_event_id=str(payload.corrects_event_id), reason=reason
    )


def _amended(
    target: Fact | None, fix: Fact, correction: EventCorrected
) -> tuple[Fact, list[Amendment]] | str:
    """The target as corrected and its amendments, or why the correction is ignored."""
    if target is None:
        return "unknown event: not an earlier event of this incident"
    payload = target.envelope.payload
    if isinstance(payload, EventCorrected):
        return "a correction is never corrected: correct the original event again"
    refused = [f for f in correction.corrected if f in _uncorrectable(type(payload))]
    if refused:
        return f"{', '.join(sorted(refused))}: not correctable in {payload.TYPE}"
    was = msgspec.to_builtins(payload)
    try:
        fixed = msgspec.convert({**was, **correction.corrected}, type(payload))
    except msgspec.ValidationError as exc:
        return f"does not validate as {payload.TYPE}: {exc}"
    now = msgspec.to_builtins(fixed)
    fields = sorted(correction.corrected)
    changes = [_amendment(target, fix, correction, f, (was.get(f), now.get(f))) for f in fields]
    return replace(target, envelope=replace(target.envelope, payload=fixed)), changes


def _amendment(
    target: Fact, fix: Fact, correction: EventCorrected, field: str, values: tuple[Any, Any]
) -> Amendment:
    return Amendment(
        position=target.position,
        event_id=str(target.envelope.event_id),
        type=target.type,
        field=field,
        original=values[0],
        value=values[1],
        corrected_by=fix.position,
        reason=correction.reason,
    )


def _uncorrectable(cls: type[Payload]) -> frozenset[str]:
    """Identities, and personal data (a correction's values are never redacted)."""
    nested = {f.name for f in _fields(cls) if _holds_personal(f.type)}
    return FIXED | personal_fields(cls) | nested


def _fields(cls: type) -> tuple[mi.Field, ...]:
    info = mi.type_info(cls)
    return info.fields if isinstance(info, mi.StructType) else ()


def _holds_personal(t: mi.Type) -> bool:
    if isinstance(t, mi.Metadata):
        return _holds_personal(t.type)
    if isinstance(t, mi.UnionType):
        return any(_holds_personal(m) for m in t.types)
    return isinstance(t, mi.StructType) and bool(personal_fields(t.cls))
