"""A batch whose subjects' keys the ingest kept carries its sealed values in its append
(ledger.store.carried_sealing): no sealing statement of its own. Given a casualty's name
sealed and recorded (its subject's key made and kept), when another of the casualty's
values comes, then it is sealed without a statement, stored by the append and opens under
the same key. When the subject was erased meanwhile, the append commits nothing, and the
batch is sealed again by the sealing statement, which finds the key gone: the record holds
the erased mark and nothing is stored. When the master key was rotated meanwhile, the batch
is refused, naming the setting, and nothing is recorded. A redelivered event, with nothing
to append, keeps its values as they were."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from contracts import builders
from contracts.envelope import Actor, Envelope
from contracts.events import Personal
from contracts.levels import CasualtySeverity
from contracts.outcomes import Duplicate
from ledger.domain.sequencer import Batch
from ledger.store import sealed_writes, sealing, subject_keys
from ledger.store.sealer import Sealer
from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import WrongMasterKey
from ledger.store.writer import Writer
from plumbing.db import SERVICE_ROLES, acting_as
from tests.support import MASTER

pytestmark = pytest.mark.integration


def _casualty(incident: str, name: str) -> Envelope:
    return builders.record_casualty(
        count=1, severity=CasualtySeverity.MINOR, personal=Personal(name=name),
        incident_id=incident, source="sealing", actor=Actor(id="agent-1"),
    )  # fmt: skip


class _Counted:
    """The sealing statements run (``sealed_writes.store``), counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runs, self._store = 0, sealed_writes.store
        monkeypatch.setattr(sealed_writes, "store", self._counted)

    async def _counted(self, *args: object) -> sealed_writes.Stored:
        self.runs += 1
        return await self._store(*args)  # type: ignore[arg-type]


@pytest.fixture
async def writer(database_url: str) -> AsyncIterator[Writer]:
    conn = await asyncpg.connect(database_url)
    sealer = Sealer(await sealed_writes.connect(database_url), MASTER)
    yield Writer(conn, "test", sealer=sealer)
    await sealer.close()
    await conn.close()


def _name(batch: Batch) -> str:
    [row] = batch.rows
    return str(json.loads(row.record)["event"]["payload"]["personal"]["name"])


async def _held(conn: asyncpg.Connection, incident: str) -> list[str]:
    return sorted(v.value for v in await subject_keys.export(conn, MASTER, f"{incident}:casualty"))


async def test_a_kept_subjects_values_are_carried_by_the_append(
    writer: Writer, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident, counted = f"CAR-{uuid.uuid4().hex[:8]}", _Counted(monkeypatch)
    await writer.append([_casualty(incident, "CARfirstZ")])
    assert counted.runs == 1  # the subject met first: its key made by the sealing statement
    batch = await writer.append([_casualty(incident, "CARnextZ")])
    assert counted.runs == 1  # its key kept: the values went with the append
    assert sealing.commitment_of(_name(batch)) is not None
    async with pool.acquire() as conn:
        assert await _held(conn, incident) == ["CARfirstZ", "CARnextZ"]


async def test_a_subject_erased_before_the_append_is_recorded_erased(
    writer: Writer, pool: asyncpg.Pool
) -> None:
    incident = f"CAR-{uuid.uuid4().hex[:8]}"
    await writer.append([_casualty(incident, "CARbeforeZ")])
    async with pool.acquire() as admin:
        await subject_keys.erase(admin, f"{incident}:casualty", "test", "request R-11")
        batch = await writer.append([_casualty(incident, "CARafterZ")])
        assert _name(batch) == sealing.ERASED
        assert [r.version for r in batch.rows] == [2]  # recorded once, after its first
        assert await _held(admin, incident) == []
        assert not await admin.fetchval(
            "SELECT count(*) FROM sealed_values WHERE incident_id = $1 AND ciphertext IS NOT NULL",
            incident,
        )
    assert writer.sealer is not None
    assert not writer.sealer.keeps(f"{incident}:casualty")


async def test_a_rotation_before_the_append_refuses_the_batch(
    writer: Writer, pool: asyncpg.Pool
) -> None:
    incident = f"CAR-{uuid.uuid4().hex[:8]}"
    await writer.append([_casualty(incident, "CARoldZ")])
    new = MasterKey.parse(MasterKey.generate())
    async with pool.acquire() as admin:
        await subject_keys.rotate(admin, MASTER, new)
        with pytest.raises(WrongMasterKey, match="LEDGER_PRIVACY_KEY_FILE"):
            await writer.append([_casualty(incident, "CARnewZ")])
        recorded = "SELECT count(*) FROM events WHERE incident_id = $1"
        assert await admin.fetchval(recorded, incident) == 1


async def test_a_redelivered_event_of_a_kept_subject_changes_nothing(
    writer: Writer, pool: asyncpg.Pool
) -> None:
    incident = f"CAR-{uuid.uuid4().hex[:8]}"
    event = _casualty(incident, "CARonceZ")
    first = await writer.append([event])
    # when it comes again, its subject's key kept: a batch with no record to append
    again = await writer.append([event])
    [outcome] = again.outcomes
    assert again.rows == []
    assert isinstance(outcome, Duplicate)
    assert outcome.position == first.rows[0].position
    async with pool.acquire() as conn:
        assert await _held(conn, incident) == ["CARonceZ"]


async def test_the_ingests_role_may_carry_values_in_its_append(database_url: str) -> None:
    # Given a writer and its sealer connected as the ingest's role (migrations 0015, 0018)
    ingest_url = acting_as(database_url, SERVICE_ROLES["ingest"])
    conn = await asyncpg.connect(ingest_url)
    sealer = Sealer(await sealed_writes.connect(ingest_url), MASTER)
    incident = f"CAR-{uuid.uuid4().hex[:8]}"
    try:
        writer = Writer(conn, "test", sealer=sealer)
        await writer.append([_casualty(incident, "CARroleZ")])
        # when a value of a subject whose key it kept is appended, carried
        batch = await writer.append([_casualty(incident, "CARcarriedZ")])
        # then the role had every right the statement takes
        assert sealing.commitment_of(_name(batch)) is not None
        assert await _held(conn, incident) == ["CARcarriedZ", "CARroleZ"]
    finally:
        await sealer.close()
        await conn.close()
