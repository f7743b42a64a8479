"""One incident's read models, folded from its facts: the one definition of truth that the
projector persists and the API's ``as_of`` queries compute on the fly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import reduce

import msgspec

from projector import deadlines, losses, status
from projector.facts import Fact

OPEN_STATES = frozenset({"pending", "due_soon", "paused"})


class Config(msgspec.Struct, frozen=True):
    packs: list[deadlines.Pack]
    context: deadlines.Context = msgspec.field(default_factory=deadlines.Context)
    backdated_after: timedelta = timedelta(hours=24)


class Models(msgspec.Struct, frozen=True):
    status: status.IncidentStatus
    losses: losses.LossBook
    obligations: list[deadlines.Obligation]


def project(facts: Sequence[Fact], *, now: datetime, config: Config) -> Models:
    """``facts``: one incident's, in position order (cut at the instant of interest)."""
    state: status.IncidentStatus | None = None
    for fact in facts:
        state = status.evolve(state, fact, backdated_after=config.backdated_after)
    assert state is not None, "an incident has at least one fact"
    book = reduce(losses.evolve, facts, None)
    assert book is not None
    obligations = deadlines.evaluate(config.packs, facts, now=now, context=config.context)
    state = msgspec.structs.replace(
        state,
        open_deadlines=sum(o.state in OPEN_STATES for o in obligations),
        missed_deadlines=sum(o.state == "missed" for o in obligations),
    )
    return Models(state, book, obligations)
