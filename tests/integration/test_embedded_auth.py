"""Given the embedded servers ``ledger up`` starts, a local user without the data
directory's passwords gets nothing: PostgreSQL refuses a login without the password (even
in a data directory an earlier version initialised with ``trust``), and NATS refuses an
anonymous client and holds each publishing system to its own subjects."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import nats
import nats.errors
import pytest
from nats.aio.client import Client

from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger.stack import process
from incident_ledger.stack.nats import EmbeddedNats, server_binary
from incident_ledger.stack.postgres import EmbeddedPostgres
from plumbing import db, jetstream

pytestmark = pytest.mark.integration


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "data")
    try:
        yield server
    finally:
        server.stop()


async def _refused(url: str) -> None:
    with pytest.raises(
        (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)
    ):
        await asyncpg.connect(url, timeout=10)


async def _answers(url: str) -> int:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM pg_roles"))
    finally:
        await conn.close()


async def test_postgres_wants_the_password(postgres: EmbeddedPostgres) -> None:
    url = postgres.start()
    assert await _answers(url) > 0
    bare = f"postgresql://postgres@127.0.0.1:{postgres.port}/postgres"
    await _refused(bare)
    await _refused(bare.replace("postgres@", "postgres:wrong@"))
    await _refused(bare.replace("postgres@", "ledger_service@"))  # a role with no password
    assert _private(postgres.passwords_file)
    hba = (postgres.pgdata / "pg_hba.conf").read_text()
    assert "trust" not in hba.replace("# ", "")
    assert "scram-sha-256" in hba


async def test_a_trusting_data_dir_from_before_gets_a_password(
    postgres: EmbeddedPostgres,
) -> None:
    """Given a data directory as earlier versions left it (``trust`` for everyone, no
    password file), when the ledger starts on it, then it keeps its data and wants the
    password."""
    url = postgres.start()
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE DATABASE kept")
    await conn.close()
    postgres.stop()
    (postgres.pgdata / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")
    postgres.passwords_file.unlink()
    url = postgres.start()
    await _refused(f"postgresql://postgres@127.0.0.1:{postgres.port}/kept")
    assert await _answers(url.rsplit("/", 1)[0] + "/kept") > 0


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _connect(url: str, errors: list[str]) -> Client:
    async def record(error: Exception) -> None:
        errors.append(str(error))

    return await jetstream.connect(url, "test", error_cb=record)


async def test_nats_refuses_an_anonymous_client(nats_server: EmbeddedNats) -> None:
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(
            f"nats://127.0.0.1:{nats_server.port}", allow_reconnect=False, connect_timeout=5
        )
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(f"nats://cad:guess@127.0.0.1:{nats_server.port}", allow_reconnect=False)
    assert _private(nats_server.passwords_file)


async def test_a_publisher_is_held_to_its_own_subjects(nats_server: EmbeddedNats) -> None:
    """Given the ledger's streams, when ``cad`` publishes its own event it is stored; as
    ``bms``, reading ``incidents.>`` or asking the JetStream API, it is refused."""
    topology = Topology()
    ledger = await _connect(nats_server.url, [])
    await jetstream.declare(ledger, topology, 1)
    errors: list[str] = []
    cad = await _connect(nats_server.url_as("cad"), errors)
    try:
        ack = await Publisher(cad, topology).publish_json(
            {"event_id": "e-1", "source": "cad", "incident_id": "I-1"}
        )
        assert ack.stream == topology.events_stream
        with pytest.raises(nats.errors.TimeoutError):  # no answer: refused on error_cb
            await cad.jetstream(timeout=1).publish(topology.event_subject("bms", "I-1"), b"{}")
        await cad.subscribe("incidents.>")
        with contextlib.suppress(nats.errors.TimeoutError, nats.errors.NoRespondersError):
            await cad.request("$JS.API.INFO", b"", timeout=1)
        await cad.flush()
        await asyncio.sleep(0.2)
        refused = " ".join(errors).lower()  # the server words subjects in lower case
        assert 'violation for publish to "incidents.events.bms' in refused
        assert 'violation for subscription to "incidents.>"' in refused
        assert 'violation for publish to "$js.api.info"' in refused
        info = await ledger.jetstream().stream_info(topology.events_stream)
        assert info.state.messages == 1
    finally:
        await cad.close()
        await ledger.close()


async def test_streams_from_before_accounts_carry_on(tmp_path: Path) -> None:
    """Given a NATS store an earlier version left (no accounts: streams in the global
    account) with messages in it, when the ledger starts its NATS on it, then the LEDGER
    account has those streams, messages and sequence numbers, so that the ingest's saved
    offset still points into them."""
    store, topology = tmp_path / "data" / "nats", Topology()
    store.mkdir(parents=True)
    port = process.free_port()
    old = process.spawn(
        [str(server_binary()), "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)],
        log=tmp_path / "old.log",
        parent_death_signal=signal.SIGTERM,
    )
    try:
        process.wait_port("127.0.0.1", port, old, 30)
        nc = await jetstream.connect(f"nats://127.0.0.1:{port}", "old")
        await jetstream.declare(nc, topology, 1)
        for i in range(3):
            await nc.jetstream().publish(topology.event_subject("cad", f"I-{i}"), b"{}")
        await nc.close()
    finally:
        process.stop(old, signal.SIGTERM)
    server = EmbeddedNats(tmp_path / "data")
    server.start()
    try:
        nc = await jetstream.connect(server.url, "ledger")
        info = await nc.jetstream().stream_info(topology.events_stream)
        assert (info.state.messages, info.state.last_seq) == (3, 3)
        await nc.close()
    finally:
        server.stop()


async def test_each_service_logs_in_as_its_role_and_no_log_holds_a_password(
    postgres: EmbeddedPostgres,
) -> None:
    """Given the ledger's database on the embedded server, when ``ledger up`` gives the
    services' roles their logins, then each service's URL logs in as its role, a guess
    does not, and the server's log shows none of the passwords."""
    database = await db.ensure_database(postgres.start(), "ledger")
    await asyncio.to_thread(db.migrate_sync, database)
    logins = {role: postgres.logins(role)[role] for role in db.SERVICE_ROLES.values()}
    await db.enable_logins(database, logins)
    for service, url in db.service_urls(database, logins).items():
        conn = await asyncpg.connect(url)
        assert await conn.fetchval("SELECT current_user") == db.SERVICE_ROLES[service]
        await conn.close()
        await _refused(db.with_login(url, db.SERVICE_ROLES[service], "guess"))
    log = postgres.log.read_text()
    assert not [p for p in postgres.logins().values() if p in log]
