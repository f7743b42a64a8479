"""The deadline board's items: each obligation with everything that explains it.

An item is the obligation (pack and version, rule, stage, due time in UTC and locally with
its zone, the raw due time and each adjustment) with its state at the moment of reading,
``lead_seconds`` beside the ISO ``lead_time``, and ``start``: the event its clock runs
from (position, type, at). The profile basis (``basis_position``, ``basis``) is shown
only when an explanation is asked for, with the rules considered and why each did or did
not apply.

Filters (:class:`Filters`) and the default order (:func:`ordered`: open obligations first
by due time, then the closed ones) are the board's; ``ledger_api.routes.deadlines`` says
the same filters in SQL for the paged board of every incident.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from projector.domain.deadlines import Considered, Obligation, considered
from projector.domain.deadlines.obligation import OPEN

Judged = tuple[Obligation, str]
"""An obligation and its state at the moment of reading."""

_BASIS = ("basis_position", "basis")
__all__ = ["Considered", "Filters", "Judged", "considered", "item", "ordered"]


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    """What a reader narrows a board to; unset parts keep everything.

    ``due_before`` is exclusive, ``due_after`` inclusive (a bound splits a board in two
    without losing or repeating an obligation)."""

    states: tuple[str, ...] = ()
    policy: str | None = None
    stage: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None

    def keeps(self, judged: Judged) -> bool:
        obligation, state = judged
        return (
            (not self.states or state in self.states)
            and self.policy in (None, obligation.pack_id)
            and self.stage in (None, obligation.stage)
            and (self.due_before is None or obligation.due_at < self.due_before)
            and (self.due_after is None or obligation.due_at >= self.due_after)
        )


def ordered(found: Iterable[Judged]) -> list[Judged]:
    """Open obligations first, soonest due first; then the closed ones, by due time."""
    return sorted(found, key=lambda j: (j[1] not in OPEN, j[0].due_at, j[0].ref))


def item(judged: Judged, *, explain: bool = False) -> dict[str, Any]:
    """One obligation as the board shows it (see the module's docstring)."""
    obligation, state = judged
    shown: dict[str, Any] = msgspec.to_builtins(obligation)
    if not explain:
        for name in _BASIS:
            shown.pop(name, None)
    start = None
    if obligation.anchor_position is not None:
        at = shown["anchor_at"]
        start = {"position": obligation.anchor_position, "type": obligation.anchor_type, "at": at}
    lead = int(obligation.lead_time.total_seconds())
    return shown | {"state": state, "lead_seconds": lead, "start": start}
