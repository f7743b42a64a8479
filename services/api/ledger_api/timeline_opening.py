"""A timeline as an auditor reads it: the sealed personal values of its entries, status and
deadlines opened (``ledger_api.disclosure``). The answers kept between requests hold the
tokens only; each request opens its own copy, its values through the cache of opened
values (``ledger_api.opened_cache``), which an erasure empties of its subject's."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import msgspec
from litestar import Request

from contracts.envelope import Actor
from contracts.personal import EVENT, How, transform
from ledger_api import app_state
from ledger_api.disclosure import opener, shown_tokens
from ledger_api.token_spans import TOKEN, TOKEN_TEXT
from projector.domain.deadlines.obligation import Obligation
from projector.domain.status import IncidentStatus
from projector.views.answers import Answer
from projector.views.entries import Entry


async def opened(request: Request[Any, Any, Any], answer: Answer, body: bytes) -> Answer:
    """``answer`` with its sealed values opened (itself when ``body``, its JSON, holds none)."""
    if not TOKEN.search(body):
        return answer
    how = await _how(request, body, answer.timeline.incident_id)
    entries = [_entry(e, how) for e in answer.timeline.entries]
    return _with_head(answer, how, entries=entries)


async def opened_head(request: Request[Any, Any, Any], answer: Answer) -> Answer:
    """``answer`` with the sealed values of its status and deadlines opened, its entries
    as kept (tokens): for a page that shows its entries through :func:`opened_html`."""
    found = answer.timeline
    body = msgspec.json.encode((found.status, found.deadlines))
    if not TOKEN.search(body):
        return answer
    return _with_head(answer, await _how(request, body, found.incident_id))


async def opened_html(request: Request[Any, Any, Any], html: bytes, incident: str) -> bytes:
    """HTML rendered from an answer's tokens (so it can be kept between requests) with
    each token replaced by its value opened for this request, escaped as the template
    would (a token's own characters need no escaping, so it stands in the HTML as is)."""
    return await _substituted(request, html, incident, lambda v: escape(v).encode())


async def opened_json(request: Request[Any, Any, Any], body: bytes, incident: str) -> bytes:
    """JSON (or NDJSON) encoded from an answer's tokens, each token replaced by its value
    opened for this request, escaped as a JSON string's content (a token stands in a
    string as is): what :func:`opened` then encoding would give, without either."""
    return await _substituted(request, body, incident, lambda v: msgspec.json.encode(v)[1:-1])


async def _substituted(
    request: Request[Any, Any, Any], text: bytes, incident: str, escaped: Callable[[str], bytes]
) -> bytes:
    """``text`` with every token opened and ``escaped``. Only tokens sealed in
    ``incident``'s own events open: one a publisher copied into its text from elsewhere
    reads "erased"."""
    if not TOKEN.search(text):
        return text
    state = app_state.of(request)
    cut = state.token_spans.of(text)
    cache = state.opened_cache
    shown = await shown_tokens(state.pool, state.master_key, cut.made, incident, cache)
    return cut.joined({token: escaped(value) for token, value in shown.items()})


async def _how(request: Request[Any, Any, Any], text: bytes, incident: str) -> How:
    """On the primary, where erasures happen; a connection taken only for values not kept."""
    state = app_state.of(request)
    return await opener(state.pool, state.master_key, [text], incident, state.opened_cache)


def _with_head(answer: Answer, how: How, **changes: Any) -> Answer:
    found = answer.timeline
    status = None if found.status is None else transform(found.status, how, IncidentStatus)
    deadlines = transform(found.deadlines, how, list[Obligation])
    timeline = msgspec.structs.replace(found, status=status, deadlines=deadlines, **changes)
    return Answer(timeline, answer.pairs)


def _entry(entry: Entry, how: How) -> Entry:
    event = transform(msgspec.json.decode(entry.event), how, EVENT)
    return msgspec.structs.replace(
        entry,
        event=msgspec.Raw(msgspec.json.encode(event)),
        actor=transform(entry.actor, how, Actor),
        summary=TOKEN_TEXT.sub(lambda m: str(how("", m.group())), entry.summary),
    )
