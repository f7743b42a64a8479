"""Inclusion and consistency proofs against signed checkpoints, read from the hash tiles.

Proofs carry hashes only: a holder of a record checks it with the record's leaf hash
(SHA-256 of 0x00 and the record bytes), so no personal data passes through here.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
import msgspec
from ledger_verify.merkle import leaf_hash
from litestar import Request, get
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import QueryParameter

from ledger.audit import tile_proofs as proofs
from ledger_api import examples, scoping
from ledger_api.auth import roles
from ledger_api.consistency import reads
from ledger_api.problems import problems

ROLES = ("auditor", "clerk", "admin")
_HASH = "5dc9e35e…4328"


class InclusionProof(msgspec.Struct, frozen=True):
    event_id: UUID
    position: int
    leaf_index: int  # position - 1
    tree_size: int
    leaf_hash: str  # hex SHA-256(0x00 ‖ record)
    proof: list[str]  # hex, RFC 9162 §2.1.3 order
    checkpoint: str | None  # the signed note for tree_size, when one was signed


class ConsistencyProof(msgspec.Struct, frozen=True):
    from_size: int = msgspec.field(name="from")
    to: int = 0
    from_root: str = ""
    to_root: str = ""
    proof: list[str] = []
    from_checkpoint: str | None = None
    to_checkpoint: str | None = None


async def _note_at(conn: asyncpg.Connection, size: int) -> str | None:
    note: str | None = await conn.fetchval(
        "SELECT note FROM checkpoints WHERE size = $1 ORDER BY id DESC LIMIT 1", size
    )
    return note


def not_yet(position: int, signed: int) -> HTTPException:
    return HTTPException(
        status_code=409,
        detail=f"position {position} is not covered by a signed checkpoint yet"
        f" (the latest covers {signed} records); retry in a moment",
        headers={"Retry-After": "1"},
    )


async def _covering(
    conn: asyncpg.Connection, position: int, size: int | None, name: str = "size"
) -> tuple[int, str | None]:
    if size is None:
        signed, note = await proofs.latest_checkpoint(conn)
        if signed < position:
            raise not_yet(position, signed)
        return signed, note
    if size < position:
        raise ValidationException(f"{name}: {size} is below {position}")
    return size, await _note_at(conn, size)


async def _beyond(conn: asyncpg.Connection, size: int) -> None:
    head = await proofs.head_size(conn)
    if size > head:
        raise ValidationException(f"the log holds {head} records; there is no tree of size {size}")


@get("/v1/audit/proof/inclusion", opt=roles(*ROLES), tags=["audit"],
     summary="Proof that an event is in the log at a checkpoint (latest by default)",
     responses=problems(400, 401, 403, 404, 409, 503) | examples.ok(InclusionProof, {
         "event_id": "0b9d3c4e-7a51-4a6f-9a43-2f0c2f4f6c11", "position": 7, "leaf_index": 6,
         "tree_size": 12, "leaf_hash": _HASH, "proof": [_HASH, _HASH, _HASH],
         "checkpoint": "incident-ledger\n12\n…"}))  # fmt: skip
async def inclusion(
    request: Request[Any, Any, Any],
    event_id: Annotated[UUID, QueryParameter()],
    size: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
) -> InclusionProof:
    async with reads(request).acquire() as conn:
        row = await conn.fetchrow(
            "SELECT position, record, incident_id FROM events WHERE event_id = $1", event_id
        )
        if row is None or not await scoping.covers(conn, request.user, row["incident_id"]):
            raise NotFoundException(f"no event {event_id} is recorded")
        position = int(row["position"])
        tree_size, note = await _covering(conn, position, size)
        await _beyond(conn, tree_size)
        path = await proofs.inclusion(conn, position, tree_size)
    leaf = leaf_hash(bytes(row["record"]))
    return InclusionProof(
        event_id, position, position - 1, tree_size, leaf.hex(), [h.hex() for h in path], note
    )


@get("/v1/audit/proof/consistency", opt=roles(*ROLES), tags=["audit"],
     summary="Proof that the log at one size is a prefix of the log at a later size",
     responses=problems(400, 401, 403, 409, 503) | examples.ok(ConsistencyProof, {
         "from": 7, "to": 12, "from_root": _HASH, "to_root": _HASH, "proof": [_HASH, _HASH],
         "from_checkpoint": None, "to_checkpoint": "incident-ledger\n12\n…"}))  # fmt: skip
async def consistency(
    request: Request[Any, Any, Any],
    from_size: Annotated[int, QueryParameter(name="from", ge=1, le=2**62)],
    to: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
) -> ConsistencyProof:
    async with reads(request).acquire() as conn:
        to_size, to_note = await _covering(conn, from_size, to, "to")
        await _beyond(conn, to_size)
        old_root, new_root, path = await proofs.consistency(conn, from_size, to_size)
        from_note = await _note_at(conn, from_size)
    return ConsistencyProof(
        from_size, to_size, old_root.hex(), new_root.hex(), [h.hex() for h in path],
        from_note, to_note,
    )  # fmt: skip
