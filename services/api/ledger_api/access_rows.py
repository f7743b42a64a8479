"""The access log's row for a request, and which refused requests get one: shared by the
handlers that log the reads they answer and the authentication that refuses them."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import msgspec
from litestar.connection import ASGIConnection

from ledger_api.token_store import Holder

_encode = msgspec.json.Encoder().encode


def row(
    who: Holder, asked: ASGIConnection[Any, Any, Any, Any], action: str, resource: str
) -> list[Any]:
    """The access log's columns but the status, for ``who`` asking ``asked``."""
    params = {k: v if len(v) > 1 else v[0] for k, v in asked.query_params.dict().items()}
    return [who.token_id, who.name, who.role, action, resource, _encode(params).decode()]


_AUDITED = re.compile(
    r"^/v1/(?:(?P<losses>losses)(?P<triangle>/triangle)?|(?P<rejections>rejections)"
    r"|(?P<access>access-log)"
    r"|incidents/(?P<incident>[^/]+)/(?P<export>timeline|bundle|report|claim-pack))$"
    r"|^/console/incidents/(?P<page>[^/]+)$"  # the console's incident page reads the timeline
)


def audited(asked: ASGIConnection[Any, Any, Any, Any]) -> tuple[str, str] | None:
    """The action and resource an audited read's row names (as its handler logs it when
    it answers), or None for a path whose refusals are not logged."""
    found = _AUDITED.match(asked.scope["path"])
    if found is None:
        return None
    if found["page"]:
        return "timeline", found["page"]
    if found["export"]:
        return found["export"].replace("-", "_"), found["incident"]
    if found["losses"]:
        return ("loss_triangle" if found["triangle"] else "loss_run"), "losses"
    if found["rejections"]:
        return "rejections", asked.query_params.get("source") or "all"
    return "access_log", "access_log"


async def revoked_holder(pool: asyncpg.Pool, digest: bytes) -> Holder | None:
    """Who held a revoked token (hashed to ``digest``): its refusals are theirs to answer for."""
    found = await pool.fetchrow(
        "SELECT token_id, name, role FROM api_tokens"
        " WHERE token_hash = $1 AND revoked_at IS NOT NULL",
        digest,
    )
    return None if found is None else Holder(found["token_id"], found["name"], found["role"])
