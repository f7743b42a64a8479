"""An incident's profile changes: each event of its organisation's or site's profile
recorded after its basis, up to the position read. Pure.

The incident's obligations keep their basis (the profile in force at its report); only the
packs judged on the latest profile (``basis = "latest"``) follow a change
(``docs/profiles.md``)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from projector.domain.deadlines import Pack
from projector.domain.facts import Fact
from projector.domain.profiles import Basis, Registry, Version, basis_at, place_in, source_of


class ProfileChange(msgspec.Struct, frozen=True, kw_only=True):
    """A profile event (``position``, ``type``) of the incident's organisation or site
    after its basis: its obligations keep ``basis_position``; ``followed_by`` names the
    packs judged on the latest profile, which follow the change."""

    position: int
    type: str
    organisation_id: str
    site_id: str | None = None
    basis_position: int | None = None
    followed_by: tuple[str, ...] = ()


def since(
    registry: Registry, basis: Basis, after: int, upto: int, packs: Sequence[Pack] = ()
) -> list[ProfileChange]:
    """The changes of ``basis``'s organisation and site at positions in (``after``,
    ``upto``], in position order (none for an incident placed nowhere)."""
    org = basis.organisation_id
    if org is None or basis.issue is not None:
        return []
    histories: list[Sequence[Version]] = [registry.organisations.get(org, ())]
    if basis.site_id is not None:
        histories.append(registry.sites.get(basis.site_id, ()))
    following = tuple(p.id for p in packs if p.basis == "latest")
    found = [
        ProfileChange(
            position=v.position,
            type=v.type,
            organisation_id=org,
            site_id=basis.site_id,
            basis_position=basis.position,
            followed_by=following,
        )
        for history in histories
        for v in history
        if after < v.position <= upto
    ]
    return sorted(found, key=lambda c: c.position)


def of_incident(
    registry: Registry, facts: Sequence[Fact], read: int, packs: Sequence[Pack] = ()
) -> list[ProfileChange]:
    """The profile changes of an incident (its facts in position order) after its basis,
    up to position ``read``."""
    code, before = place_in(facts)
    if before is None:
        return []
    basis = basis_at(registry, code, before, source_of(facts))
    return since(registry, basis, before, read, packs)


def changed_at(changes: Sequence[ProfileChange]) -> int | None:
    """The position of the last change since the basis (None: unchanged)."""
    return changes[-1].position if changes else None
