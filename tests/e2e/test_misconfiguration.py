"""An operator's typo, a wrong key file or a server that is not there: every ``ledger``
command says which variable to fix in one line and exits 2, within the issue's 10 s, before
starting any server; a service waiting for an unreachable server stops on Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from incident_ledger.stack.nats import EmbeddedNats
from ledger.store.sealer import Sealer
from ledger.store.sealing import MasterKey
from tests.support import MASTER, note_envelope

pytestmark = pytest.mark.e2e

LEDGER = str(Path(sys.executable).parent / "ledger")
BOUND = 10  # seconds: the bound on saying what is wrong
UNREACHABLE_PG = "postgresql://ledger:secret@127.0.0.1:1/ledger"
UNREACHABLE_NATS = "nats://ingest:secret@127.0.0.1:1"
WAITING = {"postgres": "waiting for PostgreSQL", "nats": "nats connection error"}  # logged once


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return env | {"LEDGER_DATA_DIR": str(tmp_path / "data")} | settings


def _run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LEDGER, *command], env=env, capture_output=True, text=True, timeout=BOUND, check=False
    )


def _said(result: subprocess.CompletedProcess[str], variable: str) -> str:
    """The error line; nothing like a traceback, and no password, anywhere."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ledger: {variable}: "), result.stderr
    return last


MALFORMED = [
    ("LEDGER_DATABASE_URL", "postgresql://ledger:secret@db:99999/ledger"),
    ("LEDGER_DATABASE_URL", "mysql://ledger:secret@db/ledger"),
    ("LEDGER_NATS_URL", "http://ingest:secret@nats:4222"),
    ("LEDGER_INGEST_BATCH", "-5"),
    ("LEDGER_HTTP_PORT", "eighty"),
    ("LEDGER_LOG_LEVEL", "loud"),
    ("LEDGER_PROJECTOR_TIMEZONE", "Mars/Olympus"),
    ("LEDGER_START_TIMEOUT", "0"),
]


COMMANDS = [["ingest"], ["project"], ["sign"], ["api"], ["up"], ["up", "--cluster"],
            ["migrate"], ["token", "list"], ["publish", "-"], ["verify"]]  # fmt: skip


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [(["ingest"], *malformed) for malformed in MALFORMED]
    + [(command, *MALFORMED[0]) for command in COMMANDS],
)
def test_a_malformed_setting_is_one_line_naming_it(
    tmp_path: Path, command: list[str], variable: str, value: str
) -> None:
    # Given one malformed variable, when any command starts, then it prints one line
    # naming the variable, exits 2 and has started nothing (no data directory).
    result = _run(_env(tmp_path, **{variable: value}), *command)
    _said(result, variable)
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


@pytest.mark.parametrize("command", [["up"], ["up", "--cluster"], ["api"]])
def test_a_port_in_use_is_found_before_anything_starts(
    tmp_path: Path, taken_port: int, command: list[str]
) -> None:
    # Given something listening on the API's port, when the API would start, then the
    # port is named before PostgreSQL or NATS start (no data directory is made).
    result = _run(_env(tmp_path, LEDGER_HTTP_PORT=str(taken_port)), *command)
    line = _said(result, "LEDGER_HTTP_PORT")
    assert f"127.0.0.1:{taken_port} is in use" in line
    assert not (tmp_path / "data").exists()


def test_an_unreachable_database_ends_the_wait_naming_it(tmp_path: Path) -> None:
    env = _env(
        tmp_path,
        LEDGER_DATABASE_URL=UNREACHABLE_PG,
        LEDGER_NATS_URL=UNREACHABLE_NATS,
        LEDGER_START_TIMEOUT="2",
    )
    line = _said(_run(env, "ingest"), "LEDGER_DATABASE_URL")
    assert "no PostgreSQL answered at 127.0.0.1:1 within 2 s" in line


def test_an_unreachable_nats_ends_the_wait_naming_it(tmp_path: Path, database_url: str) -> None:
    # Given PostgreSQL up and no NATS where the URL points, when the ingest starts, then
    # it waits the bounded time and names LEDGER_NATS_URL (not for ever, as it did).
    env = _env(
        tmp_path,
        LEDGER_DATABASE_URL=database_url,
        LEDGER_NATS_URL=UNREACHABLE_NATS,
        LEDGER_START_TIMEOUT="2",
    )
    line = _said(_run(env, "ingest"), "LEDGER_NATS_URL")
    assert "no NATS server answered within 2 s" in line


def test_by_default_an_unreachable_nats_is_named_within_the_bound(
    tmp_path: Path, database_url: str
) -> None:
    # Given PostgreSQL up, no NATS where the URL points and the default wait, when the
    # ingest starts, then LEDGER_NATS_URL is named within the bound (``_run`` enforces it).
    env = _env(tmp_path, LEDGER_DATABASE_URL=database_url, LEDGER_NATS_URL=UNREACHABLE_NATS)
    line = _said(_run(env, "ingest"), "LEDGER_NATS_URL")
    assert "no NATS server answered within 6 s" in line


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("waiting_for", ["postgres", "nats"])
def test_a_signal_stops_a_service_waiting_for_a_server(
    tmp_path: Path, database_url: str, sig: signal.Signals, waiting_for: str
) -> None:
    # Given a service waiting (up to an hour) for a server that is not there, when it is
    # sent Ctrl-C or SIGTERM, then it ends promptly, quietly.
    env = _env(
        tmp_path,
        LEDGER_DATABASE_URL=UNREACHABLE_PG if waiting_for == "postgres" else database_url,
        LEDGER_NATS_URL=UNREACHABLE_NATS,
        LEDGER_START_TIMEOUT="3600",
        LEDGER_LOG_LEVEL="info",
    )
    proc = subprocess.Popen(
        [LEDGER, "ingest"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _until_waiting(proc, WAITING[waiting_for])
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=BOUND)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped while starting" in err


def _until_waiting(proc: subprocess.Popen[str], text: str) -> None:
    """Read the service's log until it says it waits (it logs that once)."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if text in line:
            return
    raise AssertionError(f"the service ended without waiting: {proc.wait()}")


async def test_a_schema_newer_than_the_code_stops_the_start(
    tmp_path: Path, database_url: str
) -> None:
    # Given a database a newer ledger has migrated past this code's head, when a service
    # starts on it, then it refuses to write with a schema it does not know.
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE alembic_version SET version_num = 'f999'")
    finally:
        await conn.close()
    env = _env(tmp_path, LEDGER_DATABASE_URL=database_url, LEDGER_NATS_URL=UNREACHABLE_NATS)
    line = _said(_run(env, "ingest"), "LEDGER_DATABASE_URL")
    assert "schema revision f999, which this ledger does not know" in line


def test_a_service_stops_on_sigterm_while_nats_is_gone(tmp_path: Path, database_url: str) -> None:
    # Given the ingest leading on a NATS server that then goes away, when it is sent
    # SIGTERM, then it stops promptly: the connection is closed, not drained (nats-py
    # refuses to drain while it reconnects).
    server = EmbeddedNats(tmp_path / "nats")
    env = _env(
        tmp_path,
        LEDGER_DATABASE_URL=database_url,
        LEDGER_NATS_URL=server.start(),
        LEDGER_LOG_LEVEL="info",
    )
    proc = subprocess.Popen(
        [LEDGER, "ingest"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        _until_waiting(proc, "consuming")
        server.stop()
        _until_waiting(proc, "nats connection error")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=BOUND)
    finally:
        proc.kill()
        server.stop()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_a_missing_database_is_named_at_once(tmp_path: Path, pg_server_url: str) -> None:
    # Given a server that answers but has no such database, when a service starts, then
    # it says so without waiting (waiting would not change the answer).
    missing = pg_server_url.rsplit("/", 1)[0] + "/no_such_ledger"
    env = _env(
        tmp_path,
        LEDGER_DATABASE_URL=missing,
        LEDGER_NATS_URL=UNREACHABLE_NATS,
        LEDGER_START_TIMEOUT="3600",
    )
    line = _said(_run(env, "ingest"), "LEDGER_DATABASE_URL")
    assert 'database "no_such_ledger" does not exist' in line


async def test_another_master_key_than_the_subjects_keys_stops_the_start(
    tmp_path: Path, database_url: str
) -> None:
    # Given a ledger whose subjects' keys are wrapped by the tests' master key, when the
    # API or the ingest starts with another key file, then it stops before serving or
    # sealing anything, naming the variable (never the key).
    conn = await asyncpg.connect(database_url)
    try:
        await Sealer(conn, MASTER).seal([note_envelope()])  # the actor's name: a key made
    finally:
        await conn.close()
    other = tmp_path / "other.key"
    other.write_text(MasterKey.generate() + "\n")
    other.chmod(0o600)
    env = _env(tmp_path, LEDGER_DATABASE_URL=database_url, LEDGER_NATS_URL=UNREACHABLE_NATS,
               LEDGER_PRIVACY_KEY_FILE=str(other))  # fmt: skip
    for command in ("api", "ingest"):
        line = _said(_run(env, command), "LEDGER_PRIVACY_KEY_FILE")
        assert f"wrapped by master key {MASTER.id}" in line
        assert other.read_text().strip() not in line
