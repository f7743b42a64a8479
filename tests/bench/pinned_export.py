"""Incremental ``ledger-verify`` on an export (issue: verification that keeps pace with the
log): ``LEDGER_BENCH_PINNED_RECORDS`` records (default 1,000,000) exported and verified in
full in one process, leaving a pin state; ``LEDGER_BENCH_PINNED_NEW`` more (default
10,000) and an export of them all, verified from the state. The acceptance: the run reads
only the new records and takes under 1 s plus what they cost at the full run's rate.
Records are made as the ledger makes them (``tests.unit.verify.ledgers``), 50,000
incidents interleaved. The last line printed is one JSON object.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import msgspec
from ledger_verify import export, note, pin_state

from tests.unit.verify.ledgers import KEY, build

N = int(os.environ.get("LEDGER_BENCH_PINNED_RECORDS", "1000000"))
NEW = int(os.environ.get("LEDGER_BENCH_PINNED_NEW", "10000"))


def main() -> dict[str, object]:
    base, keys = Path(tempfile.mkdtemp()), [note.parse_verifier(KEY)]
    ledger = build([f"INC-{i * 7919 % 50_000}" for i in range(N + NEW)])
    first, later = ledger.export(base / "first", N), ledger.export(base / "later")
    started = time.perf_counter()
    full = export.verify(first, keys, workers=1)
    full_eps = N / (time.perf_counter() - started)
    assert full.exit_code == 0, full.render_text()
    assert full.state is not None
    pinned = pin_state.open_state(full.state, keys)
    started = time.perf_counter()
    report = export.verify(later, keys, state=pinned)
    seconds = time.perf_counter() - started
    assert report.exit_code == 0, report.render_text()
    return {
        "records": N,
        "new_records": NEW,
        "full_eps_one_process": round(full_eps),
        "incremental_seconds": round(seconds, 3),
        "incremental_eps": round(report.events / seconds),
        "read_over_new": report.events / NEW,
        "budget_seconds": round(1 + NEW / full_eps, 3),
    }


if __name__ == "__main__":
    print(msgspec.json.encode(main()).decode())
