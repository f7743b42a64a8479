"""A rotation of the master key and an ingest still running with the old one: no subject's
key is ever wrapped by two master keys. Given a sealer with the old key alive (its keys
kept), when the master key is rotated, then its next new subject is refused, naming
LEDGER_PRIVACY_KEY_FILE, nothing is stored, and a sealer given the new key seals it. A
sealing that comes while the rotation is under way waits for it and is refused too; the
start check reads the same row. A running ingest refused this way records nothing and
rejects nothing: once it runs with the new key, the message is recorded, nothing lost."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from nats.aio.client import Client

from contracts import builders
from contracts.envelope import Actor, Envelope
from contracts.events import Personal
from contracts.levels import CasualtySeverity
from contracts.publisher import Publisher
from contracts.topology import Topology
from ledger.ingest import leading as ingest
from ledger.store import master_fit, subject_keys
from ledger.store.sealer import Sealer
from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import WrongMasterKey
from plumbing import jetstream
from plumbing.settings import IngestSettings
from tests.integration.conftest import wait_for_count, wait_for_leader
from tests.integration.lock_waits import until_blocked
from tests.support import MASTER

pytestmark = pytest.mark.integration


def _casualty(incident: str, name: str) -> Envelope:
    return builders.record_casualty(
        count=1, severity=CasualtySeverity.MINOR, personal=Personal(name=name),
        incident_id=incident, source="sealing", actor=Actor(id="agent-1"),
    )  # fmt: skip


async def _masters(conn: asyncpg.Connection) -> set[str]:
    rows = await conn.fetch("SELECT DISTINCT master_id FROM subject_keys WHERE wrapped IS NOT NULL")
    return {r["master_id"] for r in rows}


async def _values(conn: asyncpg.Connection, incident: str) -> int:
    return int(
        await conn.fetchval("SELECT count(*) FROM sealed_values WHERE incident_id = $1", incident)
    )


async def test_a_sealer_with_the_rotated_key_is_refused_new_subjects(pool: asyncpg.Pool) -> None:
    new = MasterKey.parse(MasterKey.generate())
    first, later = f"ROT-{uuid.uuid4().hex[:8]}", f"ROT-{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn, pool.acquire() as admin:
        # Given an ingest's sealer with the current key, its subjects' keys kept
        old_sealer = Sealer(conn, MASTER)
        await old_sealer.seal([_casualty(first, "ROTfirstZ")])
        # when the master key is rotated while it still runs
        assert await subject_keys.rotate(admin, MASTER, new) == 1  # the casualty
        # then its next new subject is refused, naming the setting, and nothing is stored
        with pytest.raises(WrongMasterKey, match="LEDGER_PRIVACY_KEY_FILE"):
            await old_sealer.seal([_casualty(later, "ROTlaterZ")])
        assert await _values(admin, later) == 0
        assert await _masters(admin) == {new.id}
        # and a sealer given the new key seals it, every key wrapped by the new key alone
        await Sealer(conn, new).seal([_casualty(later, "ROTlaterZ")])
        assert await _values(admin, later) == 1
        assert await _masters(admin) == {new.id}
        await master_fit.check(admin, new)
        with pytest.raises(WrongMasterKey, match="LEDGER_PRIVACY_KEY_FILE"):
            await master_fit.check(admin, MASTER)


async def test_a_sealing_during_a_rotation_waits_for_it_and_is_refused(pool: asyncpg.Pool) -> None:
    new = MasterKey.parse(MasterKey.generate())
    incident = f"ROT-{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn, pool.acquire() as admin, pool.acquire() as watcher:
        sealer = Sealer(conn, MASTER)
        await sealer.seal([_casualty(f"ROT-{uuid.uuid4().hex[:8]}", "ROTbeforeZ")])
        # Given a rotation under way (not yet committed)
        async with admin.transaction():
            await subject_keys.rotate(admin, MASTER, new)
            # when a batch with a new subject is sealed with the old key meanwhile
            sealing_task = asyncio.create_task(sealer.seal([_casualty(incident, "ROTduringZ")]))
            await until_blocked(watcher, conn.get_server_pid(), "rotation")
        # then it waited for the rotation, and was refused once it committed
        with pytest.raises(WrongMasterKey, match="LEDGER_PRIVACY_KEY_FILE"):
            await sealing_task
        assert await _values(admin, incident) == 0
        assert await _masters(admin) == {new.id}


async def test_an_ingest_refused_after_a_rotation_loses_nothing(
    pool: asyncpg.Pool, nc: Client, topology: Topology, database_url: str
) -> None:
    new = MasterKey.parse(MasterKey.generate())
    incident = f"ROT-{uuid.uuid4().hex[:8]}"
    await jetstream.ensure_topology(nc.jetstream(), topology)
    publisher = Publisher(nc, topology)
    # Given an ingest running with the current key, which has sealed a value
    stop, running = await _ingest(nc, topology, database_url, MASTER)
    await publisher.publish(_casualty(incident, "ROTsealedZ"))
    assert await wait_for_count(pool, 1) == 1
    # when the key is rotated under it and a new subject's value arrives
    async with pool.acquire() as admin:
        await subject_keys.rotate(admin, MASTER, new)
    await publisher.publish(_casualty(f"ROT-{uuid.uuid4().hex[:8]}", "ROTlaterZ"))
    # then it records nothing and rejects nothing
    assert await wait_for_count(pool, 2, within=3.0) == 1
    rejected = await nc.jetstream().stream_info(topology.rejected_stream)
    assert rejected.state.messages == 0
    stop.set()
    await asyncio.wait_for(running, 30)
    # and an ingest given the new key records it
    stop, running = await _ingest(nc, topology, database_url, new)
    assert await wait_for_count(pool, 2) == 2
    stop.set()
    await asyncio.wait_for(running, 30)
    async with pool.acquire() as admin:
        assert await _masters(admin) == {new.id}


async def _ingest(
    nc: Client, topology: Topology, database_url: str, master: MasterKey
) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(
        ingest.run(database_url, nc, topology, IngestSettings(), stop, master=master)
    )
    await wait_for_leader(nc, topology)
    return stop, task
