"""What a scoped publisher may append over HTTP: its organisation's profile events (a
publisher scoped to a site: that site's only), events of an incident already placed in its
scope, and the ``incident.reported`` of a new incident naming a site in its scope (then
the request's later events of that incident). Anything else refuses the whole request,
403 ``out_of_scope`` with the event's index; an unscoped publisher appends as before.

Only what places an event is read here (leniently); the sequencer judges the rest.
"""

from __future__ import annotations

import asyncpg
import msgspec
from litestar.exceptions import PermissionDeniedException

from contracts.events import IncidentReported
from contracts.profile_rules import is_profile_stream, is_profile_type, stream_of
from ledger_api.token_store import Scope

_SITE_OF = "SELECT organisation_id FROM sites WHERE site_id = $1"
_PLACE = "SELECT organisation_id, site_id FROM incident_status WHERE incident_id = $1"


class _Site(msgspec.Struct):
    location_code: str | None = None


class _Payload(msgspec.Struct):
    site_id: str | None = None
    site: _Site | None = None


class _Head(msgspec.Struct):
    incident_id: str = ""
    type: str = ""
    payload: _Payload = msgspec.field(default_factory=_Payload)


_decode = msgspec.json.Decoder(_Head).decode


class OutOfScope(PermissionDeniedException):
    def __init__(self, index: int, reason: str) -> None:
        path = f"$[{index}]"
        super().__init__(f"{path}: {reason}", extra={"code": "out_of_scope", "path": path})


def _profile_refusal(scope: Scope, head: _Head) -> str | None:
    own = stream_of(scope.organisation_id)
    if head.incident_id != own:
        return f"this token publishes only organisation {scope.organisation_id!r}'s profile"
    if scope.site_id is not None and head.payload.site_id != scope.site_id:
        return f"this token publishes only site {scope.site_id!r}'s profile events"
    return None


async def _fetch(conn: asyncpg.Connection, sql: str, key: str) -> asyncpg.Record | None:
    try:
        return await conn.fetchrow(sql, key)
    except asyncpg.UndefinedTableError:  # no read models yet: nothing is placed
        return None


async def _site_covered(conn: asyncpg.Connection, scope: Scope, code: str | None) -> bool:
    if code is None:
        return False
    if scope.site_id is not None:
        return code == scope.site_id
    if code == scope.organisation_id:
        return True
    found = await _fetch(conn, _SITE_OF, code)
    return found is not None and found["organisation_id"] == scope.organisation_id


class Admission:
    """One request's events judged in order; a new incident admitted by its report
    admits the request's later events of it."""

    def __init__(self, conn: asyncpg.Connection, scope: Scope) -> None:
        self.conn, self.scope, self.admitted = conn, scope, set[str]()

    async def refusal(self, head: _Head) -> str | None:
        if is_profile_stream(head.incident_id) or is_profile_type(head.type):
            return _profile_refusal(self.scope, head)
        if head.incident_id in self.admitted:
            return None
        placed = await _fetch(self.conn, _PLACE, head.incident_id)
        if placed is not None and placed["organisation_id"] is not None:
            if self.scope.covers(placed["organisation_id"], placed["site_id"]):
                return None
        elif head.type == IncidentReported.TYPE:
            site = head.payload.site
            code = None if site is None else site.location_code
            if await _site_covered(self.conn, self.scope, code):
                self.admitted.add(head.incident_id)
                return None
        where = self.scope.site_id or self.scope.organisation_id
        return (
            f"incident {head.incident_id!r} is not placed in {where!r}: its incident.reported"
            " names a site of this token's scope in site.location_code"
        )


async def check(conn: asyncpg.Connection, scope: Scope, items: list[bytes]) -> None:
    """Raise :class:`OutOfScope` for the first event ``scope`` may not append."""
    admission = Admission(conn, scope)
    for index, item in enumerate(items):
        try:
            head = _decode(item)
        except msgspec.DecodeError:
            raise OutOfScope(index, "cannot tell which organisation this event is of") from None
        reason = await admission.refusal(head)
        if reason is not None:
            raise OutOfScope(index, reason)
