"""A served log (no columns) under mutation fuzzing: any one edit to what is served is
detected, and the quick path and the plain checker find the same on every kind of edit."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_verify import note, served
from ledger_verify.remote import Remote

from tests.unit.verify.ledgers import KEY, build
from tests.unit.verify.test_mutation_fuzz import MUTATIONS

pytestmark = pytest.mark.unit

KEYS = [note.parse_verifier(KEY)]
SERVED = sorted(k for k in MUTATIONS if k != "columns byte")  # no columns are served


@dataclass(frozen=True)
class Files(Remote):
    """A log served from a directory, without HTTP: what the walk reads is the same."""

    def get(self, path: str) -> bytes | None:
        file = Path(self.prefix) / path
        return file.read_bytes() if file.is_file() else None


def _findings(directory: Path, quick: bool) -> tuple[int, list[tuple[str, int | None]]]:
    report = served.verify(Files(str(directory)), KEYS, quick=quick)
    return report.exit_code, [(f.code, f.position) for f in report.findings]


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(1, 40) | st.integers(200, 600),
    incidents=st.integers(1, 6),
    kind=st.sampled_from(SERVED),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_served_mutation_is_detected_alike_on_both_paths(
    size: int, incidents: int, kind: str, seed: int
) -> None:
    rng = random.Random(seed)
    ledger = build([f"INC-{rng.randrange(incidents)}" for _ in range(size)])
    with tempfile.TemporaryDirectory() as tmp:
        directory = ledger.export(Path(tmp) / "export")
        assert _findings(directory, quick=True) == (0, [])
        what = MUTATIONS[kind](directory, size, rng)
        quick = _findings(directory, quick=True)
        assert quick[0] != 0, f"{kind}: {what} went unnoticed"
        assert quick == _findings(directory, quick=False), what
