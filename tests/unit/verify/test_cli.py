"""``python -m ledger_verify`` as a user runs it: the exit code is the verdict, and
``--json`` prints one JSON object."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.verify.ledgers import KEY, build, repack

pytestmark = pytest.mark.unit


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ledger_verify", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_the_command_line_verdicts(tmp_path: Path) -> None:
    """Given an export, when verified from the command line with the key in a file, then
    exit 0 and a JSON verdict; once a record is dropped, exit 1 and a readable report."""
    ledger = build([f"INC-{i % 3}" for i in range(40)])
    directory = ledger.export(tmp_path / "export")
    (tmp_path / "key").write_text(KEY + "\n")
    valid = run(str(directory), "--key", str(tmp_path / "key"), "--json")
    assert valid.returncode == 0, valid.stderr
    assert json.loads(valid.stdout)["verdict"] == "valid"
    repack(directory, ledger.records[1:])
    tampered = run(str(directory), "--key", KEY, "--pin", str(directory / "checkpoint"))
    assert tampered.returncode == 1
    assert tampered.stdout.startswith("TAMPERED (exit 1): export of ledger.example/incidents")
    assert "position 1, event " in tampered.stdout
    missing = run(str(tmp_path / "nothing"), "--key", KEY)
    assert missing.returncode == 2
    assert run(str(directory), "--key", "not-a-key").returncode == 2
