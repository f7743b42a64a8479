"""What a report needs beyond the incident's facts: the reader's language and the site's
zone, and what ties it to the ledger (its last event's record hash, the latest signed
checkpoint)."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request

from ledger_api.auth import header
from projector.domain.facts import Fact
from projector.views.catalogue import Language
from projector.views.ledger_tie import Checkpoint, LedgerTie, verify_command
from projector.views.summaries import language

_HASH = "SELECT hash FROM events WHERE position = $1"
_CHECKPOINT = "SELECT size, root, signed_at FROM checkpoints ORDER BY id DESC LIMIT 1"


def reader_language(request: Request[Any, Any, Any], lang: Language | None) -> Language | None:
    """``lang=``, else the ``Accept-Language`` header's best of en and zh, else None (both)."""
    if lang is not None:
        return lang
    accepted = header(request.scope["headers"], b"accept-language")
    return language(accepted) if accepted else None


async def tie(conn: asyncpg.Connection, incident_id: str, last: Fact) -> LedgerTie:
    """The last event included (``last``) and the latest signed checkpoint."""
    record_hash: bytes = await conn.fetchval(_HASH, last.position)
    row = await conn.fetchrow(_CHECKPOINT)
    checkpoint = (
        None
        if row is None
        else Checkpoint(size=row["size"], root=row["root"].hex(), signed_at=row["signed_at"])
    )
    return LedgerTie(
        incident_id=incident_id,
        position=last.position,
        hash=record_hash.hex(),
        checkpoint=checkpoint,
        verify=verify_command(incident_id),
    )
