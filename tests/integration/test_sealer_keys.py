"""The ingest's sealer keeps its subjects' keys between batches, and an erasure made
elsewhere still takes effect on the next value. Given a casualty's value sealed (the
subject's key made and kept), when the subject is erased and another of its values
arrives, then that value is recorded as erased, nothing is stored under the key and the
sealer lets the key go. A sealer starting afresh (a new leader's) seals a redelivered
event to the same bytes; a batch holding values stored before keeps them as they were and
stores the rest. A batch sealed while an erasure is under way waits for it, and
finds the key gone: the erasure leaves no ciphertext behind. The ingest's and the API's
roles have the rights this takes."""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
import pytest

from contracts import builders
from contracts.envelope import Actor, Envelope
from contracts.events import Personal
from contracts.levels import CasualtySeverity
from ledger.domain.prepared import Prepared
from ledger.store import sealed_writes, sealing, subject_keys
from ledger.store.sealed_writes import SealedRow
from ledger.store.sealer import Sealer
from plumbing.db import SERVICE_ROLES, acting_as
from tests.integration.lock_waits import until_blocked
from tests.support import MASTER

pytestmark = pytest.mark.integration


def _casualty(incident: str, name: str) -> Envelope:
    return builders.record_casualty(
        count=1, severity=CasualtySeverity.MINOR, personal=Personal(name=name),
        incident_id=incident, source="sealing", actor=Actor(id="agent-1"),
    )  # fmt: skip


def _incident() -> str:
    return f"SEAL-{uuid.uuid4().hex[:8]}"


def _each(incidents: list[str], label: str) -> list[Envelope]:
    """A casualty of each incident, named ``SEAL<label><n>Z`` (n: the incident's index)."""
    return [_casualty(i, f"SEAL{label}{n}Z") for n, i in enumerate(incidents)]


async def _held(conn: asyncpg.Connection, incident: str) -> list[str]:
    """The casualty's values the table holds, opened under its key, sorted."""
    return sorted(v.value for v in await subject_keys.export(conn, MASTER, f"{incident}:casualty"))


def _token(prepared: Prepared) -> str:
    return str(json.loads(prepared.event)["payload"]["personal"]["name"])


async def _ciphertexts(conn: asyncpg.Connection, subject: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(ciphertext) FROM sealed_values WHERE subject = $1", subject
        )
    )


async def test_a_kept_key_is_let_go_once_its_subject_is_erased(pool: asyncpg.Pool) -> None:
    incident = _incident()
    subject = f"{incident}:casualty"
    async with pool.acquire() as conn, pool.acquire() as other:
        sealer = Sealer(conn, MASTER)
        (first,) = await sealer.seal([_casualty(incident, "SEALfirstZ")])
        assert sealing.commitment_of(_token(first)) is not None
        assert sealer.keeps(subject)
        # when the subject is erased elsewhere, while this sealer still keeps its key
        await subject_keys.erase(other, subject, "test", "request R-9")
        (second,) = await sealer.seal([_casualty(incident, "SEALsecondZ")])
        # then the next value is recorded as erased, and nothing is stored under the key
        assert _token(second) == sealing.ERASED
        assert await _ciphertexts(conn, subject) == 0
        assert not sealer.keeps(subject)


async def test_keys_kept_past_the_ready_ones_still_seal_under_their_own(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a sealer that keeps two subjects' ciphers made, and five subjects' keys
    monkeypatch.setattr("ledger.store.sealer.READY", 2)
    incidents = [_incident() for _ in range(5)]
    async with pool.acquire() as conn:
        sealer = Sealer(conn, MASTER)
        await sealer.seal(_each(incidents, "first"))
        # when each subject's next value is sealed, in turn and then together
        for casualty in _each(incidents, "next"):
            await sealer.seal([casualty])
        await sealer.seal(_each(incidents, "last"))
        # then at most two ciphers are kept, every key is, and each value opens under its
        # subject's key as the table holds it
        assert sealer.ready() == 2
        for n, incident in enumerate(incidents):
            assert sealer.keeps(f"{incident}:casualty")
            assert await _held(conn, incident) == sorted(
                [f"SEALfirst{n}Z", f"SEALnext{n}Z", f"SEALlast{n}Z"]
            )


async def test_a_redelivered_event_seals_to_the_same_bytes_on_a_new_leader(
    pool: asyncpg.Pool,
) -> None:
    event = _casualty(_incident(), "SEALagainZ")
    async with pool.acquire() as conn:
        (first,) = await Sealer(conn, MASTER).seal([event])
        (again,) = await Sealer(conn, MASTER).seal([event])  # its key found, not made
    assert again.event == first.event


async def test_a_batch_holding_values_stored_before_keeps_them_and_stores_the_rest(
    pool: asyncpg.Pool,
) -> None:
    incident = _incident()
    event = _casualty(incident, "SEALkeptZ")
    async with pool.acquire() as conn:
        sealer = Sealer(conn, MASTER)
        (first,) = await sealer.seal([event])
        # when it comes again, twice, in a batch with another value of the same subject
        again = await sealer.seal([event, _casualty(incident, "SEALnewZ"), event])
        # then it seals to the same bytes, and the table holds both values, once each
        assert again[0].event == again[2].event == first.event
        assert await _held(conn, incident) == ["SEALkeptZ", "SEALnewZ"]


async def test_a_value_stored_before_is_kept_within_a_callers_transaction(
    pool: asyncpg.Pool,
) -> None:
    incident = _incident()
    event = _casualty(incident, "SEALinsideZ")
    async with pool.acquire() as conn:
        sealer = Sealer(conn, MASTER)
        (first,) = await sealer.seal([event])
        async with conn.transaction():  # a failed statement would abort it
            (again,) = await sealer.seal([event])
        assert again.event == first.event
        assert await _held(conn, incident) == ["SEALinsideZ"]


async def test_a_batch_sealed_during_an_erasure_finds_the_key_gone(pool: asyncpg.Pool) -> None:
    incident = _incident()
    subject = f"{incident}:casualty"
    async with pool.acquire() as conn, pool.acquire() as eraser, pool.acquire() as watcher:
        sealer = Sealer(conn, MASTER)
        await sealer.seal([_casualty(incident, "SEALbeforeZ")])
        # Given an erasure under way (not yet committed)
        async with eraser.transaction():
            await subject_keys.erase(eraser, subject, "test", "request R-10")
            # when a batch of the subject is sealed meanwhile, with the key still kept
            sealing_task = asyncio.create_task(sealer.seal([_casualty(incident, "SEALduringZ")]))
            await until_blocked(watcher, conn.get_server_pid(), "erasure")
        (during,) = await sealing_task
    # then it waited for the erasure, found the key gone and stored nothing under it
    assert _token(during) == sealing.ERASED
    async with pool.acquire() as conn:
        assert await _ciphertexts(conn, subject) == 0


async def test_the_ingest_seals_and_the_api_erases_each_as_its_own_role(database_url: str) -> None:
    # Given the ingest's and the API's roles (migrations 0015 and 0018)
    incident = _incident()
    ingest = await sealed_writes.connect(acting_as(database_url, SERVICE_ROLES["ingest"]))
    api = await asyncpg.connect(acting_as(database_url, SERVICE_ROLES["api"]))
    try:
        # when the ingest seals a value and the API erases its subject
        (sealed,) = await Sealer(ingest, MASTER).seal([_casualty(incident, "SEALroleZ")])
        await subject_keys.erase(api, f"{incident}:casualty", "test", "request R-11")
        # then each had the rights it needed, and nothing of the value is left
        assert sealing.commitment_of(_token(sealed)) is not None
        assert await _ciphertexts(api, f"{incident}:casualty") == 0
    finally:
        await ingest.close()
        await api.close()


async def test_the_sealing_statement_takes_the_fields_the_client_sends_in_its_order(
    pool: asyncpg.Pool,
) -> None:
    """The statement's input type is its own (migration 0024), not ``sealed_values``' row:
    its fields are ``SealedRow``'s, by name and in order, whatever the table's columns."""
    fields = await pool.fetch(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'sealed_value_in'::regclass"
        " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
    )
    assert tuple(f["attname"] for f in fields) == SealedRow._fields


@pytest.mark.parametrize("keys", [0, 5000], ids=["never analyzed", "5,000 analyzed"])
async def test_the_sealing_statements_kept_plan_reads_held_keys_by_their_index(
    pool: asyncpg.Pool, keys: int
) -> None:
    """Given a generic plan of the sealing statement (the one its connection keeps once it
    is judged no worse), on a fresh key table or a large one, then each held key is read
    through the key table's index: a scan of ``subject_keys`` would grow with every
    subject the ledger ever met."""
    types = "text[], bytea[], text, text[], sealed_value_in[]"
    async with pool.acquire() as conn, conn.transaction():
        if keys:
            await conn.execute(
                "INSERT INTO subject_keys (subject, wrapped, master_id)"
                " SELECT 'PLAN-' || g || ':reporter', '\\x00'::bytea, 'm'"
                " FROM generate_series(1, $1::int) AS g",
                keys,
            )
            await conn.execute("ANALYZE subject_keys")
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        await conn.execute(f"PREPARE sealing ({types}) AS {sealed_writes._STORE}")
        plan = await conn.fetch("EXPLAIN EXECUTE sealing ('{a}', '{}', 'm', '{b}', '{}')")
        await conn.execute("DEALLOCATE sealing")
    text = "\n".join(r[0] for r in plan)
    assert "Index Scan using subject_keys_pkey on subject_keys" in text
    assert "Seq Scan on subject_keys" not in text


async def test_a_sealer_whose_plans_are_due_plans_again_and_seals_on(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a sealer whose connection's plans are dropped before every statement
    monkeypatch.setattr("ledger.store.sealed_writes.REPLAN_SECONDS", 0.0)
    incidents = [_incident() for _ in range(3)]
    async with pool.acquire() as conn:
        sealer = Sealer(conn, MASTER)
        # when batches are sealed one after another
        for casualty in _each(incidents, "plan"):
            await sealer.seal([casualty])
        await sealer.seal(_each(incidents, "planned"))
        # then every value is stored under its subject's key
        for n, incident in enumerate(incidents):
            assert await _held(conn, incident) == [f"SEALplan{n}Z", f"SEALplanned{n}Z"]
