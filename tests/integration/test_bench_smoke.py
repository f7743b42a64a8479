"""Given every command that ``make bench``, ``make bench-latency`` and ``make soak``
run, when each runs at a tiny size (a few thousand events, timed loads a tenth as long),
then it finishes with exit 0 and its last line is one JSON object of figures: a benchmark
that rots is found by CI (``make bench-smoke``), not on the day its figures are wanted.
The figures of such a run mean nothing and are not read, except that no request failed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.unit.infra.loading import REPO

# Not `integration`: CI runs that tier a second time, on another PostgreSQL.
pytestmark = pytest.mark.smoke
TINY = {
    "LEDGER_BENCH_TIME_SCALE": "0.1",
    "LEDGER_BENCH_EVENTS": "3000",
    "LEDGER_BENCH_LATENCY_RUNS": "1",
    "LEDGER_BENCH_LATENCY_SIZES": "300",
    "LEDGER_BENCH_WAL_MB": "32",
    "LEDGER_BENCH_REBUILD_EVENTS": "3000",
    "LEDGER_BENCH_ORGANISATIONS": "10",
    "LEDGER_BENCH_LOSS_ROWS": "1000",
    "LEDGER_BENCH_AUDIT_EVENTS": "2000",
    "LEDGER_BENCH_PINNED_RECORDS": "2000",
    "LEDGER_BENCH_PINNED_NEW": "100",
    "LEDGER_BENCH_SINCE_RECORDS": "2000",
    "LEDGER_BENCH_SINCE_NEW": "100",
    "LEDGER_BENCH_TILES_RECORDS": "2000",
    "LEDGER_BENCH_TILES_NEW": "100",
    "LEDGER_BENCH_TRIANGLE_EVENTS": "2000",
    "LEDGER_BENCH_REPORT_NOTES": "10",
    "LEDGER_BENCH_XLSX_ROWS": "1000",
    "LEDGER_BENCH_XLSX_SIDE_ROWS": "100",
    "LEDGER_BENCH_OBLIGATIONS": "100",
    "LEDGER_BENCH_ERASURE_EVENTS": "3000",
    "LEDGER_SOAK_SECONDS": "10",
    "LEDGER_SOAK_RATE": "100",
}
PRINT_TEXT = {"tests.bench.triangle", "tests.bench.report_pdf"}  # their own report lines


def _commands() -> list[list[str]]:
    """``python -m tests.bench.X [args]`` of the targets, as the Makefile writes them."""
    makefile = (REPO / "Makefile").read_text()
    found = re.findall(r"python -m (tests\.bench\.\w+)([^\n]*)", makefile)
    return [[module, *re.findall(r"--\w+", args)] for module, args in found]


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_the_benchmark_runs_at_a_tiny_size(command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_BENCH")} | TINY
    done = subprocess.run(
        [sys.executable, "-m", *command], capture_output=True, text=True, env=env,
        cwd=REPO, timeout=280, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    if command[0] in PRINT_TEXT:
        assert done.stdout.strip()
        return
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(figures, dict)
    assert figures
    failed = {name: n for name, n in figures.items() if name.endswith("errors") and n}
    assert not failed, failed
