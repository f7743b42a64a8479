"""Schemathesis fuzzes the running API from its own ``/schema``, with a token of every
role (admin, auditor, clerk, publisher): no request it generates gets a 5xx, and every
response matches the schema (status, content type, body, headers). Afterwards nothing
the servers logged holds a token, a password or key material."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_ledger.signer_wiring import DEV_KEY
from tests.e2e.test_ledger_up import LEDGER, Ledger, ledger

pytestmark = pytest.mark.e2e
__all__ = ["ledger"]
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
ROLES = ("admin", "auditor", "clerk", "publisher")
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    )
)
# Key material in any spelling the ledger knows (a C2SP signer key, a Signer's repr) and
# URLs that carry a password (PostgreSQL, NATS).
SECRET_SHAPES = re.compile(r"PRIVATE\+KEY|seed=|[a-z]+://[^/\s:@\"']+:[^/\s@\"']+@")


@pytest.fixture
def running(ledger: Ledger) -> Iterator[Ledger]:
    """``ledger up --demo``: its banner (which prints the development tokens, on purpose)
    to ``up.out``, its log (standard error) to ``up.log``."""
    banner = (ledger.data_dir.parent / "up.out").open("a")
    log = (ledger.data_dir.parent / "up.log").open("a")
    proc = subprocess.Popen([LEDGER, "up", "--demo"], env=ledger.env, stdout=banner, stderr=log)
    try:
        ledger.wait_ready()
        ledger.wait_demo()  # no request meets read models still being built (503)
        yield ledger
    finally:
        proc.terminate()
        proc.wait(60)


def _fuzz(url: str, token: str) -> subprocess.CompletedProcess[str]:
    command = [SCHEMATHESIS, "run", url, "--checks", CHECKS, "--max-examples", "25"]
    return subprocess.run(
        [*command, "--header", f"Authorization: Bearer {token}", "--no-color"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _logged(ledger: Ledger) -> dict[Path, str]:
    """Everything the servers logged: ``ledger up``'s log and every log file."""
    files = [ledger.data_dir.parent / "up.log", *ledger.data_dir.rglob("*.log")]
    return {f: f.read_text(errors="replace") for f in files if f.is_file()}


def _secrets(ledger: Ledger) -> list[str]:
    """The development tokens and the signing key's seed (its last field: split from the
    left, since base64 may hold a ``+`` itself and a fragment of it is no secret)."""
    tokens = json.loads((ledger.data_dir / "dev-tokens.json").read_text())
    key = (ledger.data_dir / DEV_KEY).read_text().strip()
    return [*tokens.values(), key, key.split("+", 4)[-1]]


# Four roles, 25 examples per operation each: on a busy machine it takes longer than the
# suite's default five minutes.
@pytest.mark.timeout(1500)
def test_no_request_by_any_role_breaks_the_api_or_leaks_a_secret(running: Ledger) -> None:
    tokens = json.loads((running.data_dir / "dev-tokens.json").read_text())
    broken = {}
    for role in ROLES:
        result = _fuzz(f"{running.url}/schema/openapi.json", tokens[role])
        if result.returncode != 0:
            broken[role] = result.stdout[-5000:]
    assert not broken, "\n\n".join(f"== {role}\n{out}" for role, out in broken.items())
    secrets, leaks = _secrets(running), []
    for path, text in _logged(running).items():
        leaks += [f"{path.name}: a secret" for s in secrets if s in text]
        leaks += [f"{path.name}: {m[:12]}…" for m in SECRET_SHAPES.findall(text)]
    assert leaks == [], {p.name: t[-3000:] for p, t in _logged(running).items()}
