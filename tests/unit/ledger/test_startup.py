"""What a start may show of a server's URL, and how a signal ends a start that waits."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plumbing.startup import unless, where

pytestmark = pytest.mark.unit


@given(
    user=st.text(alphabet="abcdefghij", min_size=1, max_size=8),
    password=st.text(alphabet="klmnopqrstuvwxyz0123456789", min_size=6, max_size=20),
    port=st.integers(1, 65535),
)
def test_an_error_shows_host_and_port_not_the_password(user: str, password: str, port: int) -> None:
    url = f"postgresql://{user}:{password}@db.example:{port}/ledger"
    assert where(url) == f"db.example:{port}"
    assert password not in where(f"nats://{user}:{password}@n1:{port},nats://n2:{port}")


async def test_a_stop_ends_the_wait_and_cancels_the_work() -> None:
    # Given work that would wait for ever, when stop is set, then unless returns None
    # and the work is cancelled.
    stop, started = asyncio.Event(), asyncio.Event()
    cancelled = False

    async def forever() -> int:
        nonlocal cancelled
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled = True
            raise
        return 1

    waiting = asyncio.create_task(unless(stop, forever()))
    await started.wait()
    stop.set()
    assert await waiting is None
    assert cancelled


async def test_work_that_ends_first_gives_its_result_or_raises() -> None:
    async def answer() -> int:
        return 42

    async def broken() -> int:
        raise ValueError("bad")

    assert await unless(asyncio.Event(), answer()) == (42,)
    with pytest.raises(ValueError, match="bad"):
        await unless(asyncio.Event(), broken())
