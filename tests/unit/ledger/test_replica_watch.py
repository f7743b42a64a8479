"""Given the API's replica watch, reads go to the replica only while it answers, and
after an outage only once it has caught up with where the primary stood."""

from __future__ import annotations

import sys
from typing import Any, get_type_hints

import pytest
from litestar.datastructures import State

from ledger_api.app_state import AppState
from ledger_api.replica import ReplicaWatch, Watched

pytestmark = pytest.mark.unit


class Primary:
    def __init__(self) -> None:
        self.head = 0

    async def fetchval(self, query: str, **_: float) -> int:
        return self.head


class Watch(ReplicaWatch):
    """The replica's answers scripted: a position, or an error to raise."""

    def __init__(self, primary: Primary) -> None:
        super().__init__(primary, "replica", "postgresql://replica")
        self.answer: int | Exception = 0

    async def _replica_head(self) -> int:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def tick(watch: Watch, state: State) -> Any:
    await watch.check(state)
    await watch._note_primary()
    return state.read_pool


async def test_reads_leave_an_unreachable_replica_and_return_once_it_caught_up() -> None:
    primary, state = Primary(), State({"read_pool": "replica"})
    watch = Watch(primary)
    primary.head, watch.answer = 100, 100
    assert await tick(watch, state) == "replica"
    watch.answer = ConnectionRefusedError("refused")
    assert await tick(watch, state) is primary
    assert watch.down is not None
    assert "ConnectionRefusedError" in watch.down
    primary.head, watch.answer = 150, 90  # back, but behind where the primary stood
    assert await tick(watch, state) is primary
    assert watch.down.startswith("catching up")
    watch.answer = 150  # reached where the primary stood at the previous check
    assert await tick(watch, state) == "replica"
    assert watch.down is None


def test_the_fields_the_watch_moves_are_the_app_states_own() -> None:
    """Given the fields the watch declares it reads and moves in the app's state, then
    ``AppState`` declares each of them with the same type."""
    watched = get_type_hints(Watched)
    assert watched.keys() == {"read_pool", "replica_watch"}
    where = vars(sys.modules[AppState.__module__])
    declared = {name: eval(AppState.__annotations__[name], where) for name in watched}
    assert declared == watched
