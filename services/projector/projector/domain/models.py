"""One incident's read models, folded from its facts: the one definition of truth that the
projector persists and the API's ``as_of`` queries compute on the fly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from projector.domain import deadlines, losses, status
from projector.domain.deadlines.obligation import OPEN
from projector.domain.facts import Fact
from projector.domain.losses import LossRunRow


class Config(msgspec.Struct, frozen=True):
    packs: list[deadlines.Pack]
    context: deadlines.Context = msgspec.field(default_factory=deadlines.Context)
    backdated_after: timedelta = timedelta(hours=24)


class Folded(msgspec.Struct, frozen=True):
    """The three folds of one incident up to the fact at ``position``."""

    position: int
    status: status.IncidentStatus
    book: losses.LossBook
    deadlines: deadlines.IncidentState


class Models(msgspec.Struct, frozen=True):
    status: status.IncidentStatus
    losses: losses.LossBook
    obligations: list[deadlines.Obligation]
    claims: list[LossRunRow] = []


def fold_more(folded: Folded | None, facts: Sequence[Fact], config: Config) -> Folded:
    """``folded`` advanced by ``facts`` (the incident's next ones, in position order)."""
    state = None if folded is None else folded.status
    book = None if folded is None else folded.book
    rules = deadlines.IncidentState() if folded is None else folded.deadlines
    for fact in facts:
        state = status.evolve(state, fact, backdated_after=config.backdated_after)
        book = losses.evolve(book, fact)
    rules = deadlines.fold(facts, rules)
    assert state is not None, "an incident has at least one fact"
    assert book is not None
    position = facts[-1].position if facts else (0 if folded is None else folded.position)
    return Folded(position, state, book, rules)


def models_of(folded: Folded, *, now: datetime, config: Config) -> Models:
    """The read models of a folded incident, deadlines judged at ``now``."""
    obligations = deadlines.obligations(
        folded.deadlines, config.packs, now=now, context=config.context
    )
    state = msgspec.structs.replace(
        folded.status,
        open_deadlines=sum(o.state in OPEN for o in obligations),
        missed_deadlines=sum(o.state == "missed" for o in obligations),
    )
    return Models(state, folded.book, obligations, losses.loss_run_rows(folded.book))


def project(facts: Sequence[Fact], *, now: datetime, config: Config) -> Models:
    """``facts``: one incident's, in position order (cut at the instant of interest)."""
    return models_of(fold_more(None, facts, config), now=now, config=config)
