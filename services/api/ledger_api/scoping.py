"""What a scoped token may read: the incidents placed in its organisation (or its site),
by the read models' ``organisation_id`` and ``site_id`` columns. An unscoped token reads
everything, as before scopes; an unregistered incident (placed nowhere) is in no scope.

An incident outside the scope is answered 404 with the words an unknown one gets, so its
existence is not disclosed. The organisation's own profile stream (``_org-<id>``) is in
the scope of a token scoped to the whole organisation.
"""

from __future__ import annotations

import asyncpg
from litestar.exceptions import NotFoundException

from contracts.profile_rules import stream_of
from ledger_api.paging import Where
from ledger_api.token_store import Holder, Scope

_PLACE = "SELECT organisation_id, site_id FROM incident_status WHERE incident_id = $1"


def narrow(where: Where, who: Holder, alias: str = "s") -> None:
    """Keep only the rows of ``alias`` (a table with scope columns) in ``who``'s scope."""
    if who.scope is None:
        return
    where.add(f"{alias}.organisation_id = {{}}", who.scope.organisation_id)
    if who.scope.site_id is not None:
        where.add(f"{alias}.site_id = {{}}", who.scope.site_id)


def _own_profile(scope: Scope, incident_id: str) -> bool:
    return scope.site_id is None and incident_id == stream_of(scope.organisation_id)


async def covers(conn: asyncpg.Connection, who: Holder, incident_id: str) -> bool:
    """Whether ``incident_id`` is in ``who``'s scope (always, for an unscoped token)."""
    scope = who.scope
    if scope is None or _own_profile(scope, incident_id):
        return True
    try:
        row = await conn.fetchrow(_PLACE, incident_id)
    except asyncpg.UndefinedTableError:  # no read models yet: nothing is placed
        return False
    return row is not None and scope.covers(row["organisation_id"], row["site_id"])


async def admit(conn: asyncpg.Connection, who: Holder, incident_id: str, unknown: str) -> None:
    """404 with ``unknown`` (what an unknown incident is told) unless it is in scope."""
    if not await covers(conn, who, incident_id):
        raise NotFoundException(unknown)
