"""A timeline as an auditor reads it: the sealed personal values of its entries, status and
deadlines opened (``ledger_api.disclosure``). The answers kept between requests hold the
tokens only; each request opens its own copy, so an erasure is seen by the next read."""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec
from litestar import Request

from contracts.envelope import Actor
from contracts.personal import EVENT, How, transform
from ledger_api import app_state
from ledger_api.disclosure import TOKEN, opener
from projector.domain.deadlines.obligation import Obligation
from projector.domain.status import IncidentStatus
from projector.views.answers import Answer
from projector.views.entries import Entry

_TOKEN_TEXT: Final = re.compile(TOKEN.pattern.decode())


async def opened(request: Request[Any, Any, Any], answer: Answer, body: bytes) -> Answer:
    """``answer`` with its sealed values opened (itself when ``body``, its JSON, holds none)."""
    if not TOKEN.search(body):
        return answer
    state = app_state.of(request)
    async with state.pool.acquire() as conn:
        how = await opener(conn, state.master_key, [body])
    found = answer.timeline
    status = None if found.status is None else transform(found.status, how, IncidentStatus)
    timeline = msgspec.structs.replace(
        found,
        entries=[_entry(e, how) for e in found.entries],
        status=status,
        deadlines=transform(found.deadlines, how, list[Obligation]),
    )
    return Answer(timeline, answer.pairs)


def _entry(entry: Entry, how: How) -> Entry:
    event = transform(msgspec.json.decode(entry.event), how, EVENT)
    return msgspec.structs.replace(
        entry,
        event=msgspec.Raw(msgspec.json.encode(event)),
        actor=transform(entry.actor, how, Actor),
        summary=_TOKEN_TEXT.sub(lambda m: str(how("", m.group())), entry.summary),
    )
