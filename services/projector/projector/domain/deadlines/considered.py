"""Every rule of every pack considered for an incident, and why it applied or not: the
explanation beside the obligations (``?explain=true``)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from projector.domain.deadlines.applicability import pack_applies
from projector.domain.deadlines.conditions import failing
from projector.domain.deadlines.context import Context
from projector.domain.deadlines.engine import judged_under
from projector.domain.deadlines.model import Pack, Rule
from projector.domain.deadlines.state import IncidentState


class Considered(msgspec.Struct, frozen=True, kw_only=True):
    """One rule of one pack, and why it applies to the incident or not."""

    pack_id: str
    pack_version: str
    rule: str
    applies: bool
    why: str


def _rule(pack: Pack, rule: Rule, applies: bool, why: str) -> Considered:
    return Considered(
        pack_id=pack.id, pack_version=pack.version, rule=rule.id, applies=applies, why=why
    )


def _pack(state: IncidentState, pack: Pack, context: Context) -> list[Considered]:
    applies, why = pack_applies(pack, context)
    if not applies:
        return [_rule(pack, rule, False, why) for rule in pack.rules]
    found = []
    for rule in pack.rules:
        wrong = failing(rule.when, state, context)
        found.append(_rule(pack, rule, not wrong, "; ".join(wrong) or why))
    return found


def considered(
    state: IncidentState,
    packs: Iterable[Pack],
    context: Context,
    latest: Context | None = None,
) -> list[Considered]:
    """Each rule of ``packs`` for the folded incident: whether it applies (its pack applies
    under the context it is judged with, and every ``when`` condition holds) and why."""
    found: list[Considered] = []
    for pack in packs:
        found.extend(_pack(state, pack, judged_under(pack, context, latest)))
    return found
