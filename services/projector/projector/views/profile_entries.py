"""Timeline entries of an incident's profile changes: each event of its organisation's or
site's profile recorded after its basis, shown among the incident's own entries in
position order, saying that its obligations keep their basis (and which packs, judged on
the latest profile, follow the change). See ``docs/profiles.md``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from projector.domain.models import Config
from projector.domain.profile_changes import ProfileChange
from projector.views.entries import Entry, entry
from projector.views.summaries import Language

_KEPT = {
    "en": " (obligations keep the basis at position {basis})",
    "zh": "（义务仍按位置 {basis} 的档案判定）",
}
_FOLLOWED = {"en": "; {packs} follow it", "zh": "；{packs} 按最新档案判定"}


def note(change: ProfileChange, lang: Language) -> str:
    """What a profile change means for the incident's obligations, in ``lang``."""
    text = _KEPT[lang].format(basis=change.basis_position)
    if change.followed_by:
        text += _FOLLOWED[lang].format(packs=", ".join(change.followed_by))
    return text


def profile_entries(
    changes: Sequence[ProfileChange], rows: Sequence[Any], lang: Language, config: Config
) -> list[Entry]:
    """The entries of ``changes``, from their events' rows (``rows``: by position)."""
    by_position = {row["position"]: row for row in rows}
    made = []
    for change in changes:
        row = by_position.get(change.position)
        if row is None:
            continue
        found, _ = entry(row, lang, config)
        made.append(
            msgspec.structs.replace(
                found, summary=found.summary + note(change, lang), profile_change=change
            )
        )
    return made


def merged(own: list[Entry], changes: list[Entry]) -> list[Entry]:
    """The incident's entries with its profile changes among them, in position order."""
    if not changes:
        return own
    return sorted([*own, *changes], key=lambda e: e.position)
