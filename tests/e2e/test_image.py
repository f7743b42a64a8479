"""An operator's container: the image built from the Dockerfile by ``infra/image/build.sh``
runs as a non-root user, answers ``ledger --version`` and ``ledger-verify --help``, carries
its labels and health check, and starts the whole ledger on a read-only root file system.

Runs where podman (and, without a reachable image registry, debootstrap) is installed:
``make image``. ``LEDGER_IMAGE_BASE`` names a Python base to build on; unset, a Debian
base is made here with debootstrap (``build.sh --local-base``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.test_wheel import REPO

pytestmark = [
    pytest.mark.image,
    pytest.mark.skipif(shutil.which("podman") is None, reason="no container builder: podman"),
]
PODMAN = str(REPO / "infra" / "image" / "podman.sh")
TAG = "localhost/incident-ledger:smoke"


def _podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def built() -> str:
    """The image, built and smoke-tested by the script an operator runs."""
    base = os.environ.get("LEDGER_IMAGE_BASE") or None
    if base is None and shutil.which("debootstrap") is None:
        pytest.skip("no LEDGER_IMAGE_BASE and no debootstrap to make a base with")
    where = ["--base", base] if base else ["--local-base"]
    done = subprocess.run(
        [str(REPO / "infra" / "image" / "build.sh"), "--tag", TAG, *where],
        capture_output=True, text=True, timeout=1200, check=False, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    print(f"\n{done.stdout}")  # the size, for the run's log
    return done.stdout


def _inspected(tag: str) -> dict[str, Any]:
    inspected = _podman("image", "inspect", tag)
    assert inspected.returncode == 0, inspected.stderr
    image: dict[str, Any] = json.loads(inspected.stdout)[0]
    return image


def test_the_image_runs_the_ledger_commands_as_a_non_root_user(built: str) -> None:
    assert "runs as uid 10001" in built
    assert "ledger, version" in built
    assert "ledger-verify --help: ok" in built
    assert "MB" in built.splitlines()[0]


def test_the_image_carries_its_labels_entry_point_and_health_check(built: str) -> None:
    image = _inspected(TAG)
    config = image["Config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["ledger"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"]
    assert len(labels["org.opencontainers.image.revision"]) == 40
    assert "ledger-probe" in json.dumps(image["Healthcheck"])


@pytest.fixture
def running(built: str) -> Iterator[str]:
    """``ledger up --demo`` in the image: the root read-only, the data on a volume (as a
    pod's would be), no network but the container's own loopback."""
    name = f"ledger-smoke-{uuid.uuid4().hex[:8]}"
    assert _podman("volume", "create", name).returncode == 0
    started = _podman(
        "run", "-d", "--name", name, "--network", "none", "--read-only",
        "--volume", f"{name}:/var/lib/ledger", TAG, "up", "--demo",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    yield name
    _podman("rm", "-f", "-t", "5", name)
    _podman("volume", "rm", "-f", name)


def _in(name: str, code: str) -> subprocess.CompletedProcess[str]:
    return _podman("exec", name, "python3", "-c", code, timeout=30)


READY = "import urllib.request as u; print(u.urlopen('http://127.0.0.1:8000/ready').read())"


def _wait_ready(name: str) -> subprocess.CompletedProcess[str]:
    deadline = time.monotonic() + 150
    answer = _in(name, READY)
    while '"ready"' not in answer.stdout and answer.returncode != 255:  # 255: it stopped
        if time.monotonic() > deadline:
            break
        time.sleep(2)
        answer = _in(name, READY)
    return answer


def test_the_image_starts_the_ledger_on_a_read_only_root(running: str) -> None:
    answer = _wait_ready(running)
    logs = _podman("logs", running)
    assert '"status":"ready"' in answer.stdout, (logs.stdout + logs.stderr)[-2000:]


# The health check's own command, pointed at the servers `ledger up` started (it reads a
# service's LEDGER_DATABASE_URL and LEDGER_NATS_URL; `ledger up` writes them to a file).
PROBE = """
import json, os, subprocess
e = json.load(open("/var/lib/ledger/endpoints.json"))
env = dict(os.environ, LEDGER_DATABASE_URL=e["database_url"], LEDGER_NATS_URL=e["nats_url"])
raise SystemExit(subprocess.call({command}, env=env))
"""


def test_the_health_check_finds_the_connections_of_a_running_ledger(running: str) -> None:
    healthcheck = _inspected(TAG)["Healthcheck"]["Test"]
    assert healthcheck[0] == "CMD"
    _wait_ready(running)
    assert _in(running, PROBE.format(command=healthcheck[1:])).returncode == 0
    assert _podman("exec", running, *healthcheck[1:]).returncode == 1  # no URLs: unhealthy
