"""The three ways ``ledger-verify`` can check an export find the same: one process on the
quick path, worker processes on stretches of it, and the plain standard-library checker
(what runs without msgspec). Given any one random edit of the mutation tests, or none,
the verdicts, findings and (when valid) the pin state agree."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from ledger_verify import export, export_pool
from ledger_verify.report import Finding, Report

from tests.unit.verify.ledgers import build
from tests.unit.verify.test_mutation_fuzz import KEYS, MUTATIONS

pytestmark = pytest.mark.unit

SIZE = 1_100  # four full bundles and a partial one: five stretches of one bundle


@pytest.fixture(autouse=True)
def small_stretches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_pool, "BUNDLES", 1)
    monkeypatch.setattr(export_pool, "PARALLEL_FROM", 0)


def _key(finding: Finding) -> tuple[str, int, str, str]:
    return (finding.code, finding.position or 0, finding.message, finding.event_id or "")


def _seen(report: Report) -> tuple[int, int, list[tuple[str, int, str, str]]]:
    return report.exit_code, report.events, sorted(map(_key, report.findings))


def test_the_paths_agree_on_a_valid_export(tmp_path: Path) -> None:
    ledger = build([f"INC-{i * 7 % 13}" for i in range(SIZE)])
    directory = ledger.export(tmp_path / "export")
    reports = [
        export.verify(directory, KEYS, workers=1),
        export.verify(directory, KEYS, workers=2),
        export.verify(directory, KEYS, workers=1, quick=False),
    ]
    assert [_seen(r) for r in reports] == [(0, SIZE, [])] * 3
    assert reports[0].state == reports[1].state == reports[2].state


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
@pytest.mark.parametrize("seed", range(3))
def test_the_paths_agree_on_every_mutation(tmp_path: Path, kind: str, seed: int) -> None:
    rng = random.Random(seed)
    ledger = build([f"INC-{rng.randrange(9)}" for _ in range(SIZE)])
    directory = ledger.export(tmp_path / "export")
    what = MUTATIONS[kind](directory, SIZE, rng)
    one = export.verify(directory, KEYS, workers=1)
    assert one.exit_code != 0, what
    assert _seen(export.verify(directory, KEYS, workers=2)) == _seen(one), what
    assert _seen(export.verify(directory, KEYS, workers=1, quick=False)) == _seen(one), what
    shutil.rmtree(directory)
