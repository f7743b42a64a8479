"""PostgreSQL 16 from the PyPI ``pgserver`` wheel, run as a child process on a free
loopback port. Only pgserver's binaries are used: the ledger supervises the server
itself so that it stops with the ledger.

Nobody gets in without a password: the superuser's is made at first start and kept in
``<data dir>/postgres-passwords.json`` (mode 600) with those of the services' roles, and
``pg_hba.conf`` allows SCRAM on the loopback address only (no Unix socket is opened)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from incident_ledger.stack import process
from plumbing import passwords
from plumbing.paths import infra_dir

_SERVICE_USER = "pgserver"  # PostgreSQL refuses to run as root
SUPERUSER = "postgres"
# Written at every start: whatever an earlier version or a hand edit left, this is the
# whole of who may connect.
HBA = """# Written by the ledger at every start: password (SCRAM) authentication, loopback only.
host all all 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
"""


def _pgserver() -> Any:
    """The pgserver package, imported quietly: it warns about XDG_RUNTIME_DIR, unused here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver._commands
        import pgserver.utils

    return pgserver


def _bin(name: str) -> Path:
    return Path(_pgserver()._commands.POSTGRES_BIN_PATH) / name


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    utils = _pgserver().utils
    # One process at a time (test workers on a new machine start servers together): a
    # second ``useradd`` or permission change racing the first failed their initdb.
    with (_bin("postgres").parent.parent / ".setup.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        utils.ensure_user_exists(_SERVICE_USER)
        utils.ensure_prefix_permissions(_bin("postgres"))
        utils.ensure_folder_permissions(_bin("postgres").parent, 0o055)
        utils.ensure_folder_permissions(_bin("postgres").parent.parent / "lib", 0o044)
    return _SERVICE_USER


@contextlib.contextmanager
def _readable_file(text: str, user: str | None) -> Iterator[str]:
    """``text`` in a private temporary file that ``user`` (initdb's) can read: the
    password's verifier, stored as it is (the password itself is written nowhere)."""
    handle, path = tempfile.mkstemp(prefix="ledger-pw-")  # mode 600
    try:
        with os.fdopen(handle, "w") as file:
            file.write(text)
        if user:
            shutil.chown(path, user)
        yield path
    finally:
        os.unlink(path)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self.log = (data_dir / "logs" / "postgres.log").resolve()
        self.passwords_file = (data_dir / "postgres-passwords.json").resolve()
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def logins(self, *roles: str) -> dict[str, str]:
        """The passwords of ``roles`` (made at their first use), the superuser's among them."""
        return passwords.load(self.passwords_file, (SUPERUSER, *roles))[0]

    def url_as(self, role: str, database: str = "postgres") -> str:
        return f"postgresql://{role}:{self.logins(role)[role]}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        """The superuser's URL, password included."""
        return self.url_as(SUPERUSER)

    def start(self, timeout: float = 60.0, port: int | None = None) -> str:
        """Start on ``port`` (a free one by default); return the server's URL."""
        user = _run_as()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._prepare(user)
        self.port = port or process.free_port()
        argv = [
            str(_bin("postgres")),
            "-D",
            str(self.pgdata),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
        ]
        # SIGINT is PostgreSQL's "fast shutdown": clean, without waiting for clients.
        self._proc = process.spawn(argv, log=self.log, user=user, parent_death_signal=signal.SIGINT)
        self._wait_ready(timeout)
        return self.url

    def stop(self) -> None:
        if self._proc is not None:
            process.stop(self._proc, signal.SIGINT)
            self._proc = None

    def _prepare(self, user: str | None) -> None:
        """The data directory made, or one from before made safe, and configured."""
        password, made = passwords.load(self.passwords_file, (SUPERUSER,))
        created = self._init(user, password[SUPERUSER])
        self._wait_for_previous_run()
        hba = self.pgdata / "pg_hba.conf"
        # A data directory from before (``trust``, no password) or one whose password file
        # was lost: the password is set before the server listens.
        if not created and (made or hba.read_text() != HBA):
            self._set_password(user, password[SUPERUSER])
        hba.write_text(HBA)
        shutil.copyfile(infra_dir() / "postgres" / "ledger.conf", self.pgdata / "ledger.conf")
        if user:
            shutil.chown(self.pgdata / "ledger.conf", user)

    def _init(self, user: str | None, password: str) -> bool:
        """``initdb`` with the superuser's password, unless there is a cluster already."""
        if (self.pgdata / "PG_VERSION").exists():
            return False
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            _pgserver().utils.ensure_prefix_permissions(self.pgdata)
            shutil.chown(self.pgdata, user, user)
        with _readable_file(passwords.scram_verifier(password), user) as pwfile:
            subprocess.run(
                [
                    str(_bin("initdb")), "-D", str(self.pgdata), "-U", SUPERUSER,
                    "--auth=scram-sha-256", f"--pwfile={pwfile}",
                    "--encoding=UTF8", "--locale=C", "--no-instructions",
                ],
                check=True, user=user, capture_output=True,
            )  # fmt: skip
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude_if_exists = 'ledger.conf'\n")
        return True

    def _set_password(self, user: str | None, password: str) -> None:
        """The superuser's password, set in single-user mode (the server is not running)."""
        single = [str(_bin("postgres")), "--single", "-D", str(self.pgdata), SUPERUSER]
        statement = f"ALTER ROLE {SUPERUSER} PASSWORD '{passwords.scram_verifier(password)}'\n"
        done = subprocess.run(single, input=statement.encode(), user=user,
                              capture_output=True, check=False)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(
                f"could not set the PostgreSQL superuser's password in {self.pgdata}: "
                + done.stderr.decode(errors="replace")[-500:]
            )

    def _wait_for_previous_run(self) -> None:
        pidfile = self.pgdata / "postmaster.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text().split()[0])
        if not process.wait_gone(pid, 30.0):
            raise RuntimeError(
                f"PostgreSQL from an earlier run (pid {pid}) still holds "
                f"{self.pgdata}; stop it and try again"
            )

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"PostgreSQL exited ({self._proc.returncode}); see {self.log}")
            ready = subprocess.run(
                [str(_bin("pg_isready")), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError(f"PostgreSQL not ready after {timeout:.0f}s; see {self.log}")
