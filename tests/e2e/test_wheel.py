"""An operator's install: the built wheel in a new virtual environment, far from any
checkout, runs the whole ledger: up, the demo published, a timeline read, the console's
sign-in page in Chinese, verified."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from incident_ledger.stack.process import free_port
from tests.e2e.test_ledger_up import Ledger

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
UV = REPO / ".tools" / "bin" / "uv"


def _run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv holding the wheel and the locked runtime dependencies only."""
    if not UV.exists():
        pytest.skip("uv is installed by the Makefile (.tools/bin/uv)")
    place = tmp_path_factory.mktemp("install")
    _run(UV, "build", "--wheel", "-q", "-o", place / "dist", REPO, cwd=place)
    locked = place / "requirements.txt"
    _run(UV, "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes",
         "-q", "-o", locked, "--project", REPO, cwd=place)  # fmt: skip
    _run(UV, "venv", "-q", "-p", sys.executable, place / "venv", cwd=place)
    wheel = next((place / "dist").glob("*.whl"))
    python = place / "venv" / "bin" / "python"
    _run(UV, "pip", "install", "-q", "-p", python, "-r", locked, wheel, cwd=place)
    return place / "venv" / "bin"


class Installed(Ledger):
    """``ledger`` from the new venv, run from a directory that holds no checkout."""

    def __init__(self, data_dir: Path, port: int, bin_dir: Path) -> None:
        super().__init__(data_dir, port)
        self.bin_dir = bin_dir
        self.env.pop("PYTHONPATH", None)

    def up(self) -> subprocess.Popen[str]:
        log = (self.data_dir.parent / "up.log").open("a")
        return subprocess.Popen(
            [str(self.bin_dir / "ledger"), "up", "--demo"], env=self.env, stdout=log,
            stderr=log, text=True, cwd=self.data_dir.parent,
        )  # fmt: skip

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / "ledger"), *args], env=self.env, input=stdin, text=True,
            capture_output=True, timeout=120, check=False, cwd=self.data_dir.parent,
        )  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path, installed: Path) -> Iterator[Installed]:
    instance = Installed(tmp_path / "data", free_port(), installed)
    yield instance
    for proc in instance.servers():
        proc.kill()


def _verified(ledger: Installed, timeout: float = 90.0) -> subprocess.CompletedProcess[str]:
    """``ledger verify`` once the signer has signed a checkpoint."""
    deadline = time.monotonic() + timeout
    result = ledger.run("verify", "--json")
    while result.returncode != 0 and time.monotonic() < deadline:
        time.sleep(1)
        result = ledger.run("verify", "--json")
    return result


def test_the_wheel_carries_its_own_files(installed: Path) -> None:
    where = subprocess.run(
        [str(installed / "python"), "-c",
         "from plumbing import paths; print(paths.migrations_dir(), paths.shipped_packs_dir(),"
         " paths.infra_dir())"],
        capture_output=True, text=True, check=True, cwd=installed,
    ).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(installed.parent) and Path(p).is_dir() for p in where)


def test_the_wheel_runs_the_ledger_outside_a_checkout(ledger: Installed) -> None:
    process = ledger.up()
    try:
        ledger.wait_ready(timeout=120)
        ledger.wait_demo()
        incidents = httpx.get(f"{ledger.url}/v1/incidents", headers=ledger.auditor()).json()
        first = incidents["items"][0]["incident_id"]
        assert ledger.timeline(first).status_code == 200
        sign_in = httpx.get(f"{ledger.url}/console/sign-in", headers={"Accept-Language": "zh"})
        assert sign_in.status_code == 200
        assert "登录" in sign_in.text  # the templates and the compiled catalogues ship
        assert httpx.get(f"{ledger.url}/console/static/console.css").status_code == 200
        result = _verified(ledger)
        assert result.returncode == 0, result.stdout + result.stderr
        assert json.loads(result.stdout)
    finally:
        process.terminate()
        process.wait(timeout=60)
