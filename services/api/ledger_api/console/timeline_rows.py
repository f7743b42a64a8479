"""A timeline's entries as the incident page lists them: in recorded or occurred order,
times in the site's zone, backdated ones flagged, corrections linked both ways (by
position), and the evidence an entry attaches (its kind, where it is, its SHA-256).

Records never change: the list rendered for a timeline kept as answered (``Answer``) is
kept with it, by order, language and zone, and a page showing it again renders only
what surrounds it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from jinja2 import Template

from ledger_api.console.zones import Moment
from projector.views.answers import Answer
from projector.views.entries import Entry

_EVIDENCE = "evidence.attached"
WORDS = {
    "backdated": "backdated", "profile_change": "profile change", "occurred": "Occurred",
    "recorded": "Recorded", "corrects": "Corrects", "corrected_by": "Corrected by",
    "evidence": "Evidence", "hash": "Hash", "after": "after",
}  # fmt: skip
"""The list's words, translated once per rendering (not once per entry)."""


def _evidence(entry: Entry) -> dict[str, Any] | None:
    if not entry.type.startswith(_EVIDENCE):
        return None
    payload = msgspec.json.decode(entry.event).get("payload", {})
    return {k: payload.get(k) for k in ("kind", "uri", "sha256", "description")}


def rows_of(
    entries: list[Entry], order: str, when: Callable[[Any], Moment | None]
) -> list[dict[str, Any]]:
    ordered = (
        sorted(entries, key=lambda e: (e.occurred_at, e.position))
        if order == "occurred"
        else entries
    )
    return [
        {
            "position": e.position, "version": e.version, "type": e.type,
            "summary": e.summary, "actor": e.actor, "source": e.source,
            "recorded": when(e.recorded_at), "occurred": when(e.occurred_at),
            "backdated": e.backdated, "corrects": e.corrects, "corrected_by": e.corrected_by,
            "hash": e.hash, "prev_hash": e.prev_hash, "evidence": _evidence(e),
            "profile_change": e.profile_change is not None,
        }
        for e in ordered
    ]  # fmt: skip


def timeline_html(
    answer: Answer, order: str, when: Callable[[Any], Moment | None],
    said: Callable[[str], str], key: str, template: Template,
) -> bytes:  # fmt: skip
    """The entries of ``answer`` as HTML (UTF-8), kept with it under ``key`` (language
    and zone)."""
    kept = answer.bodies.get((order, key))
    if kept is None:
        entries = rows_of(answer.timeline.entries, order, when)
        words = {name: said(english) for name, english in WORDS.items()}
        kept = answer.bodies[order, key] = template.render(entries=entries, t=words).encode()
    return kept
