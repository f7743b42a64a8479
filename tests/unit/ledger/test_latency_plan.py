"""The latency bench's plan and its reading of the stall log: every (events, rate) once a
round, each round in the reverse order of the one before; stall lines counted by cause;
the floor offered each cell's load beside the ledger, its figures kept by rate."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from tests.bench import latency_floor
from tests.bench.latency_processes import FLOOR, LEDGER
from tests.bench.latency_runs import SEED, _causes, _order, _pipelines, _stalls

pytestmark = pytest.mark.unit


def test_rounds_alternate_their_order() -> None:
    order = _order(3, (10_000, 50_000))
    first = [(10_000, 1000), (50_000, 1000), (10_000, 5000), (50_000, 5000)]
    assert order == first + first[::-1] + first


def test_stall_lines_are_read_past_the_offset_and_counted_by_cause(tmp_path: Path) -> None:
    # Given a log with a stall before the offset, other lines, and two stalls after it
    log = tmp_path / "ingest.log"
    line = {"event": "ingest stall", "cause": "cpu", "ms": 30.0, "gc_during": False}
    before = msgspec.json.encode(line | {"cause": "append"}) + b"\n"
    log.write_bytes(before)
    offset = _stalls(log, 0)[1]
    with log.open("ab") as f:
        f.write(b'{"event": "consuming"}\n')
        f.write(msgspec.json.encode(line) + b"\n")
        f.write(msgspec.json.encode(line | {"ms": 50.0, "gc_during": True}) + b"\n")
    # when it is read from the offset, then only those two count, under their cause
    found, end = _stalls(log, offset)
    assert end == log.stat().st_size
    assert _causes(found) == [
        {"cause": "cpu", "stalls": 2, "total_ms": 80.0, "worst_ms": 50.0, "with_gc": 1}
    ]


def test_each_cell_swaps_which_pipeline_goes_first_every_round() -> None:
    # Given the plan of three rounds of two sizes at two rates, the seeds as main gives them
    cells = list(enumerate(_order(3, (10_000, 50_000)), start=SEED))
    firsts: dict[tuple[int, int], list[str]] = {}
    for seed, cell in cells:
        firsts.setdefault(cell, []).append(_pipelines(seed, True)[0])
    # then every cell has the ledger first in one round and the floor in the next
    assert all(f in ([LEDGER, FLOOR, LEDGER], [FLOOR, LEDGER, FLOOR]) for f in firsts.values())
    # and without the floor, the ledger runs alone
    assert {_pipelines(seed, False) for seed, _ in cells} == {(LEDGER,)}


def test_the_floors_figures_are_kept_by_rate_for_every_run() -> None:
    # Given the floor's runs at two rates
    run = {"offered": 1000, "events": 10_000, "p99_ms": 6.2, "p999_ms": 10.3, "lost": 0}
    runs = [run, run | {"p99_ms": 8.0}, run | {"offered": 5000, "p99_ms": 21.0}]
    # when its figures are read for three rates, then each rate met lists its runs in order
    assert latency_floor.figures(runs, (1000, 5000, 9000)) == {
        "1000": {
            "p99_ms_by_run": [(10_000, 6.2), (10_000, 8.0)],
            "p999_ms_by_run": [(10_000, 10.3), (10_000, 10.3)],
            "lost_by_run": [(10_000, 0), (10_000, 0)],
        },
        "5000": {
            "p99_ms_by_run": [(10_000, 21.0)],
            "p999_ms_by_run": [(10_000, 10.3)],
            "lost_by_run": [(10_000, 0)],
        },
    }
