"""Given the Makefile, then ``make lint`` runs the infra checks, and ``make schema`` runs a
command that exists and regenerates the contracts' JSON Schemas."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.infra.loading import REPO

pytestmark = [
    pytest.mark.unit,
    pytest.mark.skipif(shutil.which("make") is None, reason="no make here"),
]


def _recipe(target: str) -> str:
    result = subprocess.run(["make", "-n", target], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_lint_runs_the_infra_checks() -> None:
    assert ".venv/bin/python infra/lint.py" in _recipe("lint")


def test_schema_regenerates_the_contracts_schemas(tmp_path: Path) -> None:
    modules = re.findall(r"python -m ([\w.]+)", _recipe("schema"))  # the sync's come first
    assert modules
    result = subprocess.run(
        [sys.executable, "-m", modules[-1], str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "envelope.json").is_file()
