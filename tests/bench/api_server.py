"""The API as a process of its own for the benchmarks that time HTTP requests: a fresh
database on the bench's servers, ``ledger api`` on a free port, its readiness awaited, and
the load generator (``tests.bench.load``) as yet another process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import msgspec

from incident_ledger.stack.process import free_port
from plumbing import db
from tests import support
from tests.bench import stack

LEDGER = os.path.join(os.path.dirname(sys.executable), "ledger")


def fresh_database(server_url: str) -> str:
    """A new, migrated database on the bench's PostgreSQL server; its URL."""
    url = asyncio.run(db.ensure_database(server_url, f"bench_{uuid.uuid4().hex[:8]}"))
    asyncio.run(db.migrate(url))
    return url


@contextlib.contextmanager
def running(url: str, nats_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``ledger api`` on ``url``'s database, ready, opening personal values sealed with the
    tests' master key (as ``tests.seeding`` seals them); its base URL and process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {"LEDGER_DATABASE_URL": url, "LEDGER_NATS_URL": nats_url,
            "LEDGER_HTTP_PORT": str(port), "LEDGER_LOG_LEVEL": "warning",
            "LEDGER_PRIVACY_KEY_FILE": support.master_key_file()}  # fmt: skip
    proc = subprocess.Popen([LEDGER, "api"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(30)


def wait_ready(base: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("the API did not become ready")


def load(url: str, seconds: int, concurrency: int, token: str = "") -> dict[str, float]:
    """``tests.bench.load`` against ``url`` for ``seconds`` (scaled: ``stack.seconds``)
    with ``concurrency`` clients: its figures (rps, p50_ms, p99_ms, errors)."""
    timed = str(stack.seconds(seconds))
    command = [sys.executable, "-m", "tests.bench.load", url, timed, str(concurrency)]
    out = subprocess.run([*command, token], capture_output=True, text=True, check=True)
    return msgspec.json.decode(out.stdout.strip().splitlines()[-1], type=dict[str, float])
