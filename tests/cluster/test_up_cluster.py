"""Given ``ledger up --cluster --demo`` on a fresh data directory, then the demo incidents
are readable through the API that reads from the replica, every service has a leader and
a standby, and Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import msgspec
import pytest

from incident_ledger.stack import process

pytestmark = pytest.mark.cluster


def _wait_for(path: Path, within: float) -> bytes:
    deadline = time.monotonic() + within
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return path.read_bytes()


def _logs_saying(directory: Path, lines: list[str], within: float) -> str:
    """The services' logs once they hold every one of ``lines`` (a standby may say it
    stands by a little after the API answers), or as they are when ``within`` runs out."""
    deadline = time.monotonic() + within
    while True:
        logs = "".join(p.read_text() for p in directory.glob("*-?.log"))
        if all(line in logs for line in lines) or time.monotonic() > deadline:
            return logs
        time.sleep(0.5)


def _incidents(api: str, token: str, within: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + within
    while True:
        try:
            answer = httpx.get(f"{api}/v1/incidents", headers={"Authorization": f"Bearer {token}"})
        except httpx.TransportError:  # not listening yet
            answer = httpx.Response(503, text="not listening")
        if (answer.status_code == 200 and answer.json()["items"]) or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


def test_the_cluster_runs_on_one_machine_and_stops_cleanly(tmp_path: Path) -> None:
    port = process.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_DATA_DIR": str(tmp_path), "LEDGER_HTTP_PORT": str(port)}
    ledger = str(Path(sys.executable).parent / "ledger")
    up = subprocess.Popen([ledger, "up", "--cluster", "--demo"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        found = msgspec.json.decode(_wait_for(tmp_path / "cluster" / "cluster.json", 120))
        tokens = msgspec.json.decode((tmp_path / "cluster" / "dev-tokens.json").read_bytes())
        answer = _incidents(found["apis"][1], tokens["auditor"])  # the replica's reader
        assert answer.status_code == 200, answer.text
        assert int(answer.headers["X-Ledger-Position"]) > 0
        said = [
            f"{line} the {role}" if line == "leading" else f"{line} another {role} leads"
            for role in ("sequencer", "projector", "checkpoint signer")
            for line in ("leading", "standing by:")
        ]
        logs = _logs_saying(tmp_path / "cluster" / "logs", said, within=60)
        assert all(line in logs for line in said), logs
        logs_dir = tmp_path / "cluster" / "logs"
        assert stat.S_IMODE(logs_dir.stat().st_mode) == 0o700
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in logs_dir.iterdir()}
        assert "api-1.log" in modes, modes
        assert set(modes.values()) == {0o600}, modes  # every service's and server's log
    finally:
        up.send_signal(signal.SIGINT)
        output = up.communicate(timeout=90)[0].decode()
    assert up.returncode == 0, output
    for pid in found["pids"].values():
        assert process.wait_gone(pid, 5.0)
