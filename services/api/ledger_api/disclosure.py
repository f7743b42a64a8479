"""What of the ledger's data a reader may see: for an auditor, every personal field opened
(the records and read models hold only sealed tokens, ``ledger.store.sealing``), shown as
:data:`ERASED` where its subject's key is gone; for anyone else (clerks), every personal
field blanked by :func:`contracts.personal.redact`. Every read that may carry personal data
passes its answer through :func:`disclosed` (or, for answers built from records, an
:func:`opener` of the tokens they hold). Values opened for the API's answers are kept in
its process (``ledger_api.opened_cache``) only while it hears of every erasure, which
drops the subject's at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

import asyncpg
from litestar import Request

from contracts.personal import How, redact, transform
from ledger.store import sealing, subject_keys
from ledger.store.sealing import MasterKey
from ledger_api import app_state, opened_cache
from ledger_api.auth import sees_personal_data
from ledger_api.opened_cache import OpenedCache
from ledger_api.token_spans import TOKEN

T = TypeVar("T")
ERASED: Final = "erased"
"""What an auditor sees where an erased subject's value was."""


async def disclosed(request: Request[Any, Any, Any], value: T, shape: Any = None) -> T:
    """``value`` as the request's reader may see it (``shape``: as for :func:`redact`).
    Values are opened on the primary, where erasures happen."""
    if not sees_personal_data(request.user):
        return redact(value, shape)
    state = app_state.of(request)
    return await opened(state.pool, state.master_key, value, shape, state.opened_cache)


async def opened(
    conn: asyncpg.Connection | asyncpg.Pool,
    master: MasterKey | None,
    value: T,
    shape: Any = None,
    cache: OpenedCache | None = None,
) -> T:
    """``value`` with every sealed personal value opened (or :data:`ERASED`), through
    ``cache`` if given."""
    made: dict[str, bytes | None] = {}

    def note(_blank: Any, held: Any) -> Any:
        if isinstance(held, str) and held.startswith(sealing.PREFIX) and held not in made:
            made[held] = sealing.commitment_of(held)
        return held

    transform(value, note, shape)
    if not made:  # nothing sealed (empty, or recorded before sealing was): shown as it is
        return value
    values = await _opened_values(cache, conn, master, _found(made))
    return transform(value, _showing(values, made), shape)


async def opener(
    conn: asyncpg.Connection | asyncpg.Pool,
    master: MasterKey | None,
    texts: Iterable[bytes],
    incident: str | None = None,
    cache: OpenedCache | None = None,
) -> How:
    """How an auditor sees the personal fields of data found in ``texts`` (records, say):
    each token in them opened (or :data:`ERASED`); only those sealed in ``incident``, if
    given; through ``cache`` if given."""
    tokens = {token.decode() for text in texts for token in TOKEN.findall(text)}
    made = {token: sealing.commitment_of(token) for token in tokens}
    return _showing(await _opened_values(cache, conn, master, _found(made), incident), made)


async def shown_tokens(
    conn: asyncpg.Connection | asyncpg.Pool,
    master: MasterKey | None,
    made: Mapping[bytes, bytes | None],
    incident: str,
    cache: OpenedCache | None = None,
) -> dict[bytes, str]:
    """Each token of ``made`` (token → its commitment, ``sealing.commitment_of``) as an
    auditor reads it in ``incident``'s text: what :func:`opener`'s answer shows for it."""
    values = await _opened_values(cache, conn, master, _found(made), incident)
    return {token: _shown(token.decode(), m, values) for token, m in made.items()}


def _found(made: Mapping[Any, bytes | None]) -> set[bytes]:
    """The commitments named in ``made`` (token → its commitment, None for none)."""
    return {m for m in made.values() if m is not None}


async def _opened_values(
    cache: OpenedCache | None,
    conn: asyncpg.Connection | asyncpg.Pool,
    master: MasterKey | None,
    found: set[bytes],
    incident: str | None = None,
) -> subject_keys.Opened:
    if master is None or not found:
        return {}
    return await opened_cache.open_values(cache, conn, master, found, incident)


def _showing(values: subject_keys.Opened, made: Mapping[str, bytes | None]) -> How:
    """How an auditor sees each sealed value, its commitment taken from ``made`` (token →
    its commitment, decoded once when the values to open were gathered); a token not
    there (one the gathering did not see as such) is decoded here."""

    def show(_blank: Any, held: Any) -> Any:
        if not isinstance(held, str) or not held.startswith(sealing.PREFIX):
            return held  # not sealed: recorded before sealing was, or empty
        return _shown(held, made[held] if held in made else sealing.commitment_of(held), values)

    return show


def _shown(token: str, made: bytes | None, values: subject_keys.Opened) -> str:
    """A sealed value (``token``, naming commitment ``made``) as an auditor reads it."""
    if made is None:
        return ERASED if token == sealing.ERASED else token
    return values.get(made) or ERASED
