"""Schemathesis fuzzes the running API from its own ``/schema``, once per role: no request
it generates gets a 5xx, and every response matches the schema (status, content type,
body, headers)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_ledger_up import LEDGER, Ledger, ledger

pytestmark = pytest.mark.e2e
__all__ = ["ledger"]
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    )
)


@pytest.fixture
def running(ledger: Ledger) -> Iterator[Ledger]:
    log = (ledger.data_dir.parent / "up.log").open("a")
    proc = subprocess.Popen([LEDGER, "up", "--demo"], env=ledger.env, stdout=log, stderr=log)
    try:
        ledger.wait_ready()
        ledger.wait_demo()  # no request meets read models still being built (503)
        yield ledger
    finally:
        proc.terminate()
        proc.wait(60)


@pytest.mark.parametrize("role", ["auditor", "clerk", "admin", "publisher"])
def test_no_request_breaks_the_api_or_its_schema(running: Ledger, role: str) -> None:
    token = json.loads((running.data_dir / "dev-tokens.json").read_text())[role]
    url, bearer = f"{running.url}/schema/openapi.json", f"Authorization: Bearer {token}"
    command = [SCHEMATHESIS, "run", url, "--checks", CHECKS, "--max-examples", "40"]
    result = subprocess.run(
        [*command, "--header", bearer, "--no-color"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]
