"""Waiting, in a test, until another session is blocked on a lock."""

from __future__ import annotations

import asyncio

import asyncpg


async def until_blocked(watcher: asyncpg.Connection, pid: int, behind: str) -> None:
    """Until the session ``pid`` waits for a lock (read through ``watcher``); fails naming
    what it should have waited ``behind`` if it does not within 4 s."""
    for _ in range(200):
        waiting = await watcher.fetchval(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the sealing did not wait for the {behind}")
