"""Signed checkpoints of the Merkle log, for anyone holding a token to pin and compare."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter

from ledger_api import examples
from ledger_api.auth import roles
from ledger_api.consistency import reads
from ledger_api.problems import problems

ROLES = ("auditor", "clerk", "admin")
_NOTE = (
    "incident-ledger\n1842\nXcnaeacGWamt…\ntime 2026-11-22T04:00:00Z\n\n\u2014 incident-ledger …\n"
)
_EXAMPLE = {"size": 1842, "root": "5dc9…4328", "signed_at": "2026-11-22T04:00:00Z", "note": _NOTE}


class Checkpoint(msgspec.Struct, frozen=True):
    size: int
    root: str
    signed_at: datetime
    note: str  # the C2SP signed note, as signed


def _checkpoint(row: asyncpg.Record | None, what: str) -> Checkpoint:
    if row is None:
        raise NotFoundException(f"no checkpoint {what}")
    return Checkpoint(row["size"], row["root"].hex(), row["signed_at"], row["note"])


_SELECT = "SELECT size, root, signed_at, note FROM checkpoints"


@get("/v1/audit/checkpoints/latest", opt=roles(*ROLES), tags=["audit"],
     summary="The latest signed checkpoint",
     responses=problems(400, 401, 403, 404, 503) | examples.ok(Checkpoint, _EXAMPLE))  # fmt: skip
async def latest(request: Request[Any, Any, Any]) -> Checkpoint:
    async with reads(request).acquire() as conn:
        row = await conn.fetchrow(_SELECT + " ORDER BY id DESC LIMIT 1")
    return _checkpoint(row, "has been signed yet")


@get("/v1/audit/checkpoints", opt=roles(*ROLES), tags=["audit"],
     summary="The checkpoint signed at a tree size",
     responses=problems(400, 401, 403, 404, 503) | examples.ok(Checkpoint, _EXAMPLE))  # fmt: skip
async def at_size(
    request: Request[Any, Any, Any], size: Annotated[int, QueryParameter(ge=0, le=2**63 - 1)]
) -> Checkpoint:
    async with reads(request).acquire() as conn:
        row = await conn.fetchrow(_SELECT + " WHERE size = $1 ORDER BY id DESC LIMIT 1", size)
    return _checkpoint(row, f"at size {size}")
