"""The deadline board: open and missed obligations, soonest due first, each counting down
in the page (``board.js``), the board read again whenever the read models move.

The page, its rows alone (what the page fetches when told the board moved) and the
stream that tells it: server-sent events naming the read models' position each time it
moves. The position is the one ``min_position`` waits for (``ledger_api.positions``),
read once for every open board (it is cached for ``positions.FRESH``), so a board
costs no query of its own while nothing happens and the stream holds no connection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template

from ledger_api import app_state
from ledger_api.auth import READERS, roles
from ledger_api.console.rendering import HEADERS, page
from ledger_api.paging import BadParameter
from ledger_api.routes import deadlines
from projector.domain.deadlines.obligation import STATES

PATH = "/console/deadlines"
TICK = 0.2  # seconds between two looks at the read models' position
QUIET = 15.0  # seconds of silence after which the stream says it is still there
UNMET = ("due_soon", "pending", "paused", "missed")  # the board's default
PAGE = 50
Text = Annotated[str | None, QueryParameter(max_length=200)]
StateText = Annotated[str | None, QueryParameter(name="state", max_length=50)]
Cursor = Annotated[str | None, QueryParameter(max_length=500)]


class Asked(msgspec.Struct, frozen=True):
    """The board's filters as the form sends them (an empty field: no filter)."""

    policy: str | None
    site: str | None
    kind: str | None
    state: str | None
    cursor: str | None

    def states(self) -> list[Any]:
        if not self.state:
            return list(UNMET)
        if self.state not in STATES:
            raise BadParameter("state", f"must be one of {', '.join(STATES)}")
        return [self.state]


def _asked(policy: Text, site: Text, kind: Text, state: Text, cursor: str | None) -> Asked:
    return Asked(policy or None, site or None, kind or None, state or None, cursor or None)


async def _rows(request: Request[Any, Any, Any], asked: Asked) -> dict[str, Any]:
    """The board as the API reads it (scope, disclosure and order are the API's)."""
    found = await deadlines.board.fn(
        request,
        deadline_state=asked.states(),
        policy=asked.policy,
        site=asked.site,
        kind=[asked.kind] if asked.kind else None,
        limit=PAGE,
        cursor=asked.cursor,
    )
    return {"items": found.items, "next_cursor": found.next_cursor, "asked": asked}


def _packs(request: Request[Any, Any, Any]) -> list[str]:
    return sorted({pack.id for pack in app_state.of(request).projector.packs})


@get(PATH, include_in_schema=False, opt=roles(*READERS))
async def board(
    request: Request[Any, Any, Any], policy: Text = None, site: Text = None,
    kind: Text = None, deadline_state: StateText = None, cursor: Cursor = None,
) -> Template:  # fmt: skip
    rows = await _rows(request, _asked(policy, site, kind, deadline_state, cursor))
    return page(request, "board.html", packs=_packs(request), states=STATES, **rows)


@get(f"{PATH}/rows", include_in_schema=False, opt=roles(*READERS))
async def board_rows(
    request: Request[Any, Any, Any], policy: Text = None, site: Text = None,
    kind: Text = None, deadline_state: StateText = None, cursor: Cursor = None,
) -> Template:  # fmt: skip
    """The board's rows alone: what the page swaps in when the stream says it moved."""
    rows = await _rows(request, _asked(policy, site, kind, deadline_state, cursor))
    return page(request, "board_rows.html", **rows)


async def moves(request: Request[Any, Any, Any]) -> AsyncIterator[ServerSentEventMessage]:
    """``ready`` with the read models' position, then ``moved`` each time it changes (a
    projector's rebuild may move it back), and a comment after ``QUIET`` seconds of none."""
    state = app_state.of(request)
    seen = (await state.positions.current(state.read_pool))["projection"]
    yield ServerSentEventMessage(data=seen, event="ready", id=seen, retry=2000)
    silent = 0.0
    while True:
        await asyncio.sleep(TICK)
        now = (await state.positions.current(state.read_pool))["projection"]
        if now != seen:
            seen, silent = now, 0.0
            yield ServerSentEventMessage(data=now, event="moved", id=now)
        elif (silent := silent + TICK) >= QUIET:
            silent = 0.0
            yield ServerSentEventMessage(comment="nothing moved")


@get(f"{PATH}/stream", include_in_schema=False, opt=roles(*READERS))
async def board_stream(request: Request[Any, Any, Any]) -> ServerSentEvent:
    headers = HEADERS | {"X-Accel-Buffering": "no"}
    return ServerSentEvent(moves(request), headers=headers)
