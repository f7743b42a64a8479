"""One incident's read models, folded from its facts: the one definition of truth that the
projector persists and the API's ``as_of`` queries compute on the fly.

The packs that apply, and the calendar and zone they count in, come from the profile in
force at the incident's report (``docs/profiles.md``): :func:`models_of` takes the
organisations' and sites' :class:`~projector.domain.profiles.Registry` and the position
read (for packs judged on the latest profile)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from projector.domain import corrections, deadlines, losses, profile_changes, profiles, status
from projector.domain.deadlines.obligation import OPEN
from projector.domain.facts import Fact
from projector.domain.losses import LossRunRow


class Config(msgspec.Struct, frozen=True):
    packs: list[deadlines.Pack]
    backdated_after: timedelta = timedelta(hours=24)


class Folded(msgspec.Struct, frozen=True):
    """The three folds of one incident up to the fact at ``position``."""

    position: int
    status: status.IncidentStatus
    book: losses.LossBook
    deadlines: deadlines.IncidentState
    basis: profiles.Basis | None = None  # see ``placed``
    basis_before: int = 0
    originals: dict[int, Fact] = {}  # the corrected facts as recorded, by position


class Models(msgspec.Struct, frozen=True):
    status: status.IncidentStatus
    losses: losses.LossBook
    obligations: list[deadlines.Obligation]
    claims: list[LossRunRow] = []


def fold_more(folded: Folded | None, facts: Sequence[Fact], config: Config) -> Folded:
    """``folded`` advanced by ``facts`` (the incident's next ones, in position order). A
    correction may reach back to any earlier fact: with one among ``facts``, the incident
    is folded again from its first fact, as recorded, corrections applied."""
    if folded is not None and corrections.any_in(facts):
        history = corrections.as_recorded(folded.deadlines.facts, folded.originals)
        return fold_more(None, [*history, *facts], config)
    if folded is None:
        return _fresh(corrections.apply(facts), config)
    state, book = _evolved((folded.status, folded.book), facts, config)
    rules = deadlines.fold(facts, folded.deadlines)
    position = _last(facts, folded.position)
    return msgspec.structs.replace(
        folded, position=position, status=state, book=book, deadlines=rules
    )


def _fresh(applied: corrections.Applied, config: Config) -> Folded:
    facts = applied.facts
    state, book = _evolved((None, None), facts, config)
    state, book = status.noted(state, applied), losses.noted(book, applied)
    rules = deadlines.fold(facts)
    return Folded(_last(facts, 0), state, book, rules, originals=applied.originals)


def _evolved(
    start: tuple[status.IncidentStatus | None, losses.LossBook | None],
    facts: Sequence[Fact],
    config: Config,
) -> tuple[status.IncidentStatus, losses.LossBook]:
    state, book = start
    for fact in facts:
        state = status.evolve(state, fact, backdated_after=config.backdated_after)
        book = losses.evolve(book, fact)
    assert state is not None, "an incident has at least one fact"
    assert book is not None
    return state, book


def _last(facts: Sequence[Fact], otherwise: int) -> int:
    return facts[-1].position if facts else otherwise


def placed(folded: Folded, registry: profiles.Registry) -> Folded:
    """``folded`` with its basis: the profile in force at its report. Kept with the fold,
    since the profile events before a position never change; read again only when the
    report arrives after the incident's first event."""
    code, before = profiles.place_of(folded.deadlines)
    before = before if before is not None else folded.position
    if folded.basis is not None and folded.basis_before == before:
        return folded
    source = profiles.source_of(folded.deadlines)
    basis = profiles.basis_at(registry, code, before, source)
    return msgspec.structs.replace(folded, basis=basis, basis_before=before)


def _latest(
    folded: Folded, config: Config, registry: profiles.Registry, read: int
) -> profiles.Basis | None:
    """The basis at position ``read``, if a pack is judged on the latest profile."""
    if not any(p.basis == "latest" for p in config.packs):
        return None
    code, _ = profiles.place_of(folded.deadlines)
    return profiles.basis_at(registry, code, read + 1, profiles.source_of(folded.deadlines))


def _placed(
    folded: Folded, basis: profiles.Basis, registry: profiles.Registry, read: int
) -> status.IncidentStatus:
    changes = profile_changes.since(registry, basis, folded.basis_before, read)
    return msgspec.structs.replace(
        folded.status,
        organisation_id=basis.organisation_id,
        site_id=basis.site_id,
        site_issue=basis.issue,
        profile_position=basis.position,
        profile_changed_at=profile_changes.changed_at(changes),
    )


def _explained(found: deadlines.Obligation, basis: profiles.Basis) -> deadlines.Obligation:
    return msgspec.structs.replace(found, basis_position=basis.position, basis=basis.facts)


def models_of(
    folded: Folded, *, now: datetime, config: Config, registry: profiles.Registry, read: int
) -> Models:
    """The read models of a folded incident, deadlines judged at ``now`` on the profiles
    in ``registry`` (``read``: the position read, for packs judged on the latest)."""
    folded = placed(folded, registry)
    basis = folded.basis
    assert basis is not None
    obligations = []
    if basis.issue is None:
        latest = _latest(folded, config, registry, read) or basis
        obligations = _judged(folded, config, now, (basis, latest))
    state = msgspec.structs.replace(
        _placed(folded, basis, registry, read),
        open_deadlines=sum(o.state in OPEN for o in obligations),
        missed_deadlines=sum(o.state == "missed" for o in obligations),
    )
    return Models(state, folded.book, obligations, losses.loss_run_rows(folded.book))


def considered(
    folded: Folded, *, config: Config, registry: profiles.Registry, read: int
) -> list[deadlines.Considered]:
    """Every rule of the packs for a folded incident, judged on the same bases as
    :func:`models_of`, with why each did or did not apply."""
    basis = placed(folded, registry).basis
    assert basis is not None
    latest = _latest(folded, config, registry, read) or basis
    return deadlines.considered(folded.deadlines, config.packs, basis.context, latest.context)


def _judged(
    folded: Folded, config: Config, now: datetime, bases: tuple[profiles.Basis, profiles.Basis]
) -> list[deadlines.Obligation]:
    """The obligations, each with the basis its pack was judged on."""
    basis, latest = bases
    judged = deadlines.obligations(
        folded.deadlines, config.packs, now=now, context=basis.context, latest=latest.context
    )
    on_latest = {p.id for p in config.packs if p.basis == "latest"}
    return [_explained(o, latest if o.pack_id in on_latest else basis) for o in judged]


def project(
    facts: Sequence[Fact],
    *,
    now: datetime,
    config: Config,
    registry: profiles.Registry,
    read: int | None = None,
) -> Models:
    """``facts``: one incident's, in position order (cut at the instant of interest);
    ``registry``: the profiles recorded; ``read``: the position of the cut (default: the
    incident's last fact)."""
    read = read if read is not None else (facts[-1].position if facts else 0)
    folded = fold_more(None, facts, config)
    return models_of(folded, now=now, config=config, registry=registry, read=read)
