"""The servers' own files and an erasure (docs/erasure.md). Given the incident of
``test_erasure`` (a reporter, a casualty and a claimant, with values of this test's own)
published over NATS and recorded, and the claim's opening published again on another
source's subject (rejected, its bytes kept in the rejection's record), NATS's store holds
each value, as its publisher sent it. When an admin erases the claimant, then every message
that held a claimant value is deleted and overwritten (the correction of the claimant's name
too), the rejected one and its record too:
no file of NATS's store holds one, the reporter's and the casualty's values are still there,
and every other message is kept. When the insurer's system then sends the claimant's values
again (recorded as erased, but in NATS in the clear), and an erasure's NATS step never ran
(its process died after the casualty's key was destroyed), both stay in NATS until
``ledger erase --pending`` deletes them; run again, it finds nothing left to do. And
PostgreSQL's files (after a CHECKPOINT: tables, dead rows, WAL, the server's log) never held
any value at all, sealing coming before writing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from pathlib import Path

import asyncpg
import msgspec
import pytest
from click.testing import CliRunner
from nats.aio.client import Client

from contracts import builders, canonical
from contracts.envelope import Actor
from contracts.levels import ClaimStatus
from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger.cli import main
from ledger.store import erased_messages, subject_keys
from ledger_api import erasures
from tests.conftest import SERVER_FILES
from tests.integration.conftest import wait_for_count
from tests.integration.test_erasure import (
    CLAIMANT,
    INCIDENT,
    _events,
    _fixed_name,
    _person,
    _recorded,
    _values_of_this_test,
    pool_namespace,
    values_of,
)

pytestmark = pytest.mark.integration
CASUALTY = f"{INCIDENT}:casualty"
__all__ = ["_values_of_this_test"]  # each test's values its own, here too


def holding(root: Path, values: Iterable[str]) -> set[str]:
    """Those of ``values`` that some file under ``root`` holds, as plain UTF-8 bytes."""
    wanted = {value: value.encode() for value in values}
    found: set[str] = set()
    for path in root.rglob("*"):
        try:
            data = path.read_bytes() if path.is_file() else b""
        except OSError:  # a file the server removed meanwhile
            continue
        found |= {value for value, raw in wanted.items() if raw in data}
    return found


async def test_erasure_deletes_the_subjects_messages_from_nats_and_postgres_never_held_them(
    ingesting: asyncpg.Pool,
    nc: Client,
    topology: Topology,
    database_url: str,
    nats_url: str,
) -> None:
    nats_files = SERVER_FILES.get("nats")
    if nats_files is None:
        pytest.skip("NATS is LEDGER_TEST_NATS_URL's server: its store is not here to search")
    pool_namespace[0] = topology.namespace
    await _recorded(ingesting, nc)
    await _rejected(ingesting, nc, topology)
    claimant, casualty = values_of("claimant"), values_of("casualty")
    everyone = values_of("reporter") + casualty + claimant
    assert holding(nats_files, everyone) == set(everyone)  # as published, in the clear
    js = nc.jetstream()
    kept = (await js.stream_info(topology.events_stream)).state.messages

    async with ingesting.acquire() as conn:
        await erasures.erase(conn, nc, topology, CLAIMANT, "test-admin", "R-1")
        assert await erased_messages.pending(conn) == []
    assert not holding(nats_files, claimant), "a claimant value is still in NATS's files"
    assert holding(nats_files, everyone) == set(everyone) - set(claimant)
    left = (await js.stream_info(topology.events_stream)).state.messages
    assert left == kept - 3  # the claim's opening, its rejected copy, the name's correction
    assert (await js.stream_info(topology.rejected_stream)).state.messages == 0

    await _sent_again(ingesting, nc, topology)
    sent = set(claimant) - {_fixed_name()}  # sent again: the claim's values, not the fix
    assert holding(nats_files, claimant) == sent
    async with ingesting.acquire() as conn:  # an erasure whose process died before NATS
        await subject_keys.erase(conn, CASUALTY, "test-admin", "R-2")
        assert await erased_messages.pending(conn) == [CLAIMANT, CASUALTY]
    assert holding(nats_files, casualty) == set(casualty)
    env = {"LEDGER_DATABASE_URL": database_url, "LEDGER_NATS_URL": nats_url,
           "LEDGER_NATS_NAMESPACE": topology.namespace}  # fmt: skip
    resumed = await asyncio.to_thread(CliRunner().invoke, main, ["erase", "--pending"], env=env)
    assert resumed.exit_code == 0, resumed.output
    assert f"{CLAIMANT}: 1 messages deleted; done" in resumed.output
    assert f"{CASUALTY}: 1 messages deleted; done" in resumed.output
    assert not holding(nats_files, casualty + claimant)
    again = await asyncio.to_thread(CliRunner().invoke, main, ["erase", "--pending"], env=env)
    assert again.exit_code == 0, again.output
    assert "no erased subject's messages are left" in again.output

    await _postgres_never_held(ingesting, everyone)


async def _sent_again(pool: asyncpg.Pool, nc: Client, topology: Topology) -> None:
    """A claim update with the claimant's values, published and recorded (as erased)."""
    update = builders.update_claim(
        claim_number="CLM-E1", insurer="Insurer E", policy_number="POL-E",
        status=ClaimStatus.OPEN, currency="CNY", incident_id=INCIDENT, source="erasure",
        actor=Actor(id="agent-7", role="agent"),
    )  # fmt: skip
    personal = msgspec.structs.replace(update.payload, personal=_person("claimant"))
    await Publisher(nc, topology).publish(msgspec.structs.replace(update, payload=personal))
    recorded = len(_events()) + 2  # and the erasure's record
    assert await wait_for_count(pool, recorded) == recorded
    record = await pool.fetchval("SELECT record FROM events WHERE event_id = $1", update.event_id)
    assert b"pd1.erased" in record


async def _rejected(pool: asyncpg.Pool, nc: Client, topology: Topology) -> None:
    """The claim's opening published on another source's subject: refused, its record
    published, and the message settled by the ledger."""
    claim = next(e for e in _events() if e.type.startswith("claim.opened"))
    again = msgspec.structs.replace(claim, event_id=uuid.uuid4())
    data = msgspec.json.encode(canonical.to_builtins(again))
    js = nc.jetstream()
    await js.publish(topology.event_subject("elsewhere", INCIDENT), data)
    last = (await js.stream_info(topology.events_stream)).state.last_seq
    query = "SELECT last_seq FROM ingest_offsets WHERE stream = $1"
    for _ in range(200):
        settled = await pool.fetchval(query, topology.events_stream)
        if settled == last and (await js.stream_info(topology.rejected_stream)).state.messages:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the message on another source's subject was not rejected")


async def _postgres_never_held(pool: asyncpg.Pool, values: list[str]) -> None:
    pg_files = SERVER_FILES.get("postgres")
    if pg_files is None:
        pytest.skip("PostgreSQL is LEDGER_TEST_DATABASE_URL's server: no data directory here")
    async with pool.acquire() as conn:
        await conn.execute("CHECKPOINT")
        held = await subject_keys.held(conn, f"{INCIDENT}:reporter")
    assert held is not None
    token = held.values[0]["token"]
    assert holding(pg_files, [token]) == {token}  # the search finds what is there
    assert not holding(pg_files, values), "a personal value was written in the clear"
