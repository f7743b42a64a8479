"""A new user's first hour: ``ledger up``, publish an event, read its timeline, stop,
start again, and find everything still there, with no server left behind."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from incident_ledger.stack.process import free_port
from ledger_api.known_tokens import TOKEN_TTL
from tests.support import note

pytestmark = pytest.mark.e2e

LEDGER = str(Path(sys.executable).parent / "ledger")


class Ledger:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        self.env |= {"LEDGER_DATA_DIR": str(data_dir), "LEDGER_HTTP_PORT": str(port)}
        self.url = f"http://127.0.0.1:{port}"

    def up(self) -> subprocess.Popen[str]:
        log = (self.data_dir.parent / "up.log").open("a")
        return subprocess.Popen([LEDGER, "up"], env=self.env, stdout=log, stderr=log, text=True)

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [LEDGER, *args],
            env=self.env,
            input=stdin,
            text=True,
            capture_output=True,
            timeout=60,
            check=False,
        )

    def wait_ready(self, timeout: float = 60.0) -> float:
        """Until the API is ready and ``ledger up`` has published its endpoints and the
        development tokens (which it does just after the API starts serving)."""
        start = time.monotonic()
        files = (self.data_dir / "endpoints.json", self.data_dir / "dev-tokens.json")
        while time.monotonic() - start < timeout:
            try:
                ready = httpx.get(f"{self.url}/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and all(f.exists() for f in files):
                return time.monotonic() - start
            time.sleep(0.1)
        raise AssertionError(f"not ready after {timeout}s: {self.log()}")

    def wait_demo(self, timeout: float = 120.0) -> None:
        """Until the demo incidents are projected and readable."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = httpx.get(f"{self.url}/v1/incidents", headers=self.auditor())
            if answer.status_code == 200 and answer.json()["items"]:
                return
            time.sleep(0.2)
        raise AssertionError(f"no demo incidents after {timeout}s: {self.log()}")

    def log(self) -> str:
        return (self.data_dir.parent / "up.log").read_text()

    def auditor(self) -> dict[str, str]:
        secrets = json.loads((self.data_dir / "dev-tokens.json").read_text())
        return {"Authorization": f"Bearer {secrets['auditor']}"}

    def timeline(self, incident: str) -> httpx.Response:
        return httpx.get(f"{self.url}/v1/incidents/{incident}/timeline", headers=self.auditor())

    def servers(self) -> list[psutil.Process]:
        """Every process still running with this data directory on its command line."""
        found = []
        for proc in psutil.process_iter(["cmdline"]):
            if any(str(self.data_dir) in part for part in proc.info["cmdline"] or []):
                found.append(proc)
        return found


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    instance = Ledger(tmp_path / "data", free_port())
    yield instance
    for proc in instance.servers():
        proc.kill()


def wait_gone(ledger: Ledger, timeout: float = 30.0) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while ledger.servers() and time.monotonic() < deadline:
        time.sleep(0.1)
    return ledger.servers()


def wait_for_timeline(ledger: Ledger, incident: str, timeout: float = 60.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    response = ledger.timeline(incident)
    while response.status_code == 404 and time.monotonic() < deadline:
        time.sleep(0.02)
        response = ledger.timeline(incident)
    return response


def assert_private(data_dir: Path) -> None:
    """Logs, tokens, keys and endpoints are their owner's alone, in a directory of 700."""
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in data_dir.rglob("*")}
    if os.geteuid() != 0:  # under root, PostgreSQL's service user must pass through it
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert modes["logs"] == 0o700
    logs = [n for n in modes if n.endswith(".log")]
    assert logs, modes
    for name in (*logs, "endpoints.json", "dev-tokens.json", "dev-signer.key", "ledger.lock"):
        assert modes[name] == 0o600, (name, oct(modes[name]))


def test_up_publish_read_stop_and_restart(ledger: Ledger) -> None:
    first = ledger.up()
    ledger.wait_ready()
    published = ledger.run("publish", "-", stdin=json.dumps(note("E2E-1", "hello")) + "\n")
    assert published.returncode == 0, published.stderr
    response = wait_for_timeline(ledger, "E2E-1")
    assert response.status_code == 200
    assert response.json()["entries"][0]["event"]["payload"]["text"] == "hello"
    assert_private(ledger.data_dir)

    second = ledger.run("up")
    assert second.returncode != 0
    assert "is in use by another `ledger up`" in second.stderr

    first.send_signal(signal.SIGINT)
    assert first.wait(30) == 0, ledger.log()
    assert wait_gone(ledger) == []

    again = ledger.up()
    ledger.wait_ready()
    assert ledger.timeline("E2E-1").status_code == 200
    again.kill()  # kill -9: the servers must not outlive it
    again.wait(10)
    assert wait_gone(ledger) == []


def test_publish_without_a_running_ledger_says_what_to_do(ledger: Ledger) -> None:
    result = ledger.run("publish", "-", stdin=json.dumps(note("E2E-2")) + "\n")
    assert result.returncode != 0
    assert "start one with `ledger up`" in result.stderr


def test_simulated_plans_and_tokens_through_the_cli(ledger: Ledger) -> None:
    proc = ledger.up()
    try:
        ledger.wait_ready()
        listed = ledger.run("simulate", "--list")
        assert "food_poisoning" in listed.stdout.split()
        simulated = ledger.run(
            "simulate",
            "--scenario",
            "fire",
            "--scenario",
            "dora",
            "--speed",
            "inf",
            "--incidents",
            "2",
        )
        assert simulated.returncode == 0, simulated.stderr
        assert simulated.stdout.strip().startswith("published ")

        created = ledger.run("token", "create", "--role", "auditor", "--name", "Audit firm")
        token_id, secret = created.stdout.split()[0], created.stdout.splitlines()[1]
        headers = {"Authorization": f"Bearer {secret}"}
        assert (
            httpx.get(f"{ledger.url}/v1/incidents/none/timeline", headers=headers).status_code
            == 404
        )
        assert "Audit firm" in ledger.run("token", "list").stdout
        assert ledger.run("token", "revoke", token_id).returncode == 0
        revoked = time.monotonic()
        while (
            answer := httpx.get(f"{ledger.url}/v1/incidents/none/timeline", headers=headers)
        ).status_code == 404 and time.monotonic() - revoked < 5 * TOKEN_TTL:
            time.sleep(0.2)  # a token found valid is trusted for TOKEN_TTL (2 s) more
        assert answer.status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def test_an_unknown_scenario_is_named(ledger: Ledger) -> None:
    result = ledger.run("simulate", "--scenario", "volcano")
    assert result.returncode == 2
    assert "unknown scenario volcano" in result.stderr


def test_read_models_rebuild_from_the_command_line(ledger: Ledger) -> None:
    proc = ledger.up()
    try:
        ledger.wait_ready()
        simulated = ledger.run("simulate", "--scenario", "robbery", "--speed", "inf")
        assert simulated.returncode == 0, simulated.stderr
        refused = ledger.run("project", "rebuild")
        assert refused.returncode == 1
        assert "a projector is running" in refused.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    rebuilt = ledger.run("project", "rebuild", "--projection", "losses")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "now live" in rebuilt.stdout
    assert wait_gone(ledger) == []
