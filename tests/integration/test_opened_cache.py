"""The API's cache of opened values forgets an erased subject (docs/erasure.md). Given a
casualty's value opened for an auditor and kept, when the subject is erased by another
connection (as ``ledger erase`` would), then once the notification arrives a read shows
it erased. When the listener's connection is lost, nothing is kept until it listens
again, and an erasure then is heard. A read racing an erasure (its query before, its
answer after the notification) keeps nothing of what it read. A kept value opens nothing
in another incident's text. The API process that erases a subject drops its values before
it answers, notified or not."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

import asyncpg
import psutil
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.envelope import Actor
from contracts.events import Personal
from contracts.levels import CasualtySeverity
from contracts.topology import Topology
from ledger.store import sealing, subject_keys
from ledger.store.sealer import Sealer
from ledger.store.sealing import MasterKey
from ledger_api import erasure_listener
from ledger_api.app import create_app
from ledger_api.disclosure import ERASED, opener
from ledger_api.erasure_listener import ErasureListener
from ledger_api.opened_cache import OpenedCache
from plumbing import db
from tests.integration.test_api import bearer, http
from tests.support import MASTER

pytestmark = pytest.mark.integration
WITHIN = 10.0  # seconds a notification or a reconnection may take on a busy machine


async def _sealed(pool: asyncpg.Pool, name: str) -> tuple[str, str]:
    """A new incident's casualty named ``name``, sealed: the incident and the token."""
    incident = f"OPEN-{uuid.uuid4().hex[:8]}"
    envelope = builders.record_casualty(
        count=1, severity=CasualtySeverity.MINOR, personal=Personal(name=name),
        incident_id=incident, source="cache", actor=Actor(id="agent-1"),
    )  # fmt: skip
    async with pool.acquire() as conn:
        (prepared,) = await Sealer(conn, MASTER).seal([envelope])
    return incident, str(json.loads(prepared.event)["payload"]["personal"]["name"])


async def _read(conn: asyncpg.Connection, cache: OpenedCache, incident: str, token: str) -> str:
    """``token`` as an auditor reads it in ``incident``'s text, through ``cache``."""
    how = await opener(conn, MASTER, [token.encode()], incident, cache)
    return str(how("", token))


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WITHIN
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"not {what} in {WITHIN} s"
        await asyncio.sleep(0.01)


async def until_listening(cache: OpenedCache) -> None:
    """Once ``cache``'s listener listens (it may keep values from then on)."""

    async def listens() -> bool:
        return cache.listening

    await _until(listens, "listening")


@contextlib.asynccontextmanager
async def _listening(
    url: str, cache: OpenedCache, retry: float = 1.0, check: float = erasure_listener.CHECK
) -> AsyncIterator[None]:
    task = asyncio.create_task(ErasureListener(url, cache, retry=retry, check=check).run())
    try:
        await until_listening(cache)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_kept_value_reads_erased_once_erased_elsewhere(
    pool: asyncpg.Pool, database_url: str
) -> None:
    incident, token = await _sealed(pool, "KEPTnameZ")
    cache = OpenedCache()
    async with _listening(database_url, cache), pool.acquire() as conn:
        assert await _read(conn, cache, incident, token) == "KEPTnameZ"
        made = sealing.commitment_of(token)
        assert made is not None
        assert cache.found([made], incident)[0] == {made: "KEPTnameZ"}
        async with pool.acquire() as other:  # as ``ledger erase`` would
            await subject_keys.erase(other, f"{incident}:casualty", "test", "request R-1")

        async def erased() -> bool:
            return await _read(conn, cache, incident, token) == ERASED

        await _until(erased, "read as erased")
        assert len(cache) == 0


async def _listener_pid(conn: asyncpg.Connection) -> int:
    pid = await conn.fetchval(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = $1",
        erasure_listener.NAME,
    )
    assert pid is not None, "no listening connection"
    return int(pid)


async def test_nothing_is_kept_while_the_listener_is_lost(
    pool: asyncpg.Pool, database_url: str
) -> None:
    incident, token = await _sealed(pool, "LOSTnameZ")
    cache = OpenedCache()
    async with _listening(database_url, cache, retry=2.0), pool.acquire() as conn:
        assert await _read(conn, cache, incident, token) == "LOSTnameZ"
        assert len(cache) == 1
        await conn.execute("SELECT pg_terminate_backend($1)", await _listener_pid(conn))

        async def lost() -> bool:
            return not cache.listening

        await _until(lost, "seen lost")
        assert len(cache) == 0
        assert not cache.listening  # the read below begins while not listening
        assert await _read(conn, cache, incident, token) == "LOSTnameZ"
        assert len(cache) == 0  # bypassed

        await until_listening(cache)
        assert await _read(conn, cache, incident, token) == "LOSTnameZ"
        assert len(cache) == 1
        await subject_keys.erase(conn, f"{incident}:casualty", "test", "request R-2")

        async def erased() -> bool:
            return await _read(conn, cache, incident, token) == ERASED

        await _until(erased, "read as erased after reconnecting")


def _stoppable(pid: int) -> None:
    """Skip unless ``pid`` is a PostgreSQL backend on this machine that this test may stop
    (a server elsewhere, or another user's, cannot be made silent from here)."""
    try:
        backend = psutil.Process(pid)
        local, owner = "postgres" in backend.name(), backend.uids().real
    except psutil.Error:
        local, owner = False, -1
    if not local:
        pytest.skip("the listener's backend is not a process of this machine")
    if os.getuid() not in (0, owner):
        pytest.skip("the listener's backend belongs to another user")


async def test_a_listener_whose_server_falls_silent_keeps_nothing(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """A lost host or a hung backend closes nothing: the listener's own question, unanswered
    within its check, is what tells it that erasures may go unheard."""
    incident, token = await _sealed(pool, "MUTEnameZ")
    cache = OpenedCache()
    async with _listening(database_url, cache, retry=0.5, check=0.3), pool.acquire() as conn:
        assert await _read(conn, cache, incident, token) == "MUTEnameZ"
        pid = await _listener_pid(conn)
        _stoppable(pid)
        os.kill(pid, signal.SIGSTOP)  # the backend stops answering; its socket stays open
        try:

            async def lost() -> bool:
                return not cache.listening

            await _until(lost, "seen silent")
            assert len(cache) == 0
            assert await _read(conn, cache, incident, token) == "MUTEnameZ"
            assert len(cache) == 0  # bypassed while silent
        finally:
            os.kill(pid, signal.SIGCONT)
        await until_listening(cache)  # a new connection, once the server answers again


async def test_a_read_racing_an_erasure_keeps_nothing(
    pool: asyncpg.Pool, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident, token = await _sealed(pool, "RACEnameZ")
    subject = f"{incident}:casualty"
    cache = OpenedCache()
    real = subject_keys.open_held

    async def racing(
        conn: asyncpg.Connection, master: MasterKey, made: Iterable[bytes], incident: str | None
    ) -> dict[bytes, subject_keys.HeldValue]:
        """Opened before the erasure; answered after its notification was heard."""
        held = await real(conn, master, made, incident)
        was = cache.generation
        async with pool.acquire() as other:
            await subject_keys.erase(other, subject, "test", "request R-3")

        async def heard() -> bool:
            return cache.generation != was

        await _until(heard, "heard")
        return held

    async with _listening(database_url, cache), pool.acquire() as conn:
        monkeypatch.setattr(subject_keys, "open_held", racing)
        assert await _read(conn, cache, incident, token) == "RACEnameZ"  # read before
        assert len(cache) == 0  # and not kept
        monkeypatch.setattr(subject_keys, "open_held", real)
        assert await _read(conn, cache, incident, token) == ERASED


async def test_a_kept_value_opens_nothing_in_another_incident(
    pool: asyncpg.Pool, database_url: str
) -> None:
    incident, token = await _sealed(pool, "HEREnameZ")
    cache = OpenedCache()
    async with _listening(database_url, cache), pool.acquire() as conn:
        assert await _read(conn, cache, incident, token) == "HEREnameZ"
        assert len(cache) == 1
        assert await _read(conn, cache, "OPEN-elsewhere", token) == ERASED
        assert await _read(conn, cache, incident, token) == "HEREnameZ"


async def test_the_erasing_process_drops_the_subject_before_answering(
    ingesting: asyncpg.Pool, nc: Client, topology: Topology
) -> None:
    """No listener here: only the erasure's own route can empty the cache."""
    incident, token = await _sealed(ingesting, "OWNnameZ")
    app = create_app(ingesting, nc, db.head_revision(), topology, master_key=MASTER)
    cache: OpenedCache = app.state.opened_cache
    cache.listen(True)
    async with ingesting.acquire() as conn:
        assert await _read(conn, cache, incident, token) == "OWNnameZ"
    assert len(cache) == 1
    admin = await bearer(ingesting, "admin")
    async with http(app) as client:
        path = f"/v1/subjects/{incident}:casualty/erasure"
        erased = await client.post(path, json={"reason": "R-4"}, headers=admin)
    assert erased.status_code == 201, erased.text
    assert len(cache) == 0
