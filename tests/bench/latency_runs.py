"""Publish→commit latency judged fairly (issue: predictable commit latency): at least five
runs each of 10,000 and 50,000 events at 1,000/s and 5,000/s, in alternating order, the
load generator a process of its own pinned away from the sequencer where
``os.sched_setaffinity`` allows (``tests/bench/latency.py``). For every run p50, p99 and
p99.9; for each offered rate, the p99 of every run and the worst; and the top stall
causes over all runs, read from the ingest's stall log (``LEDGER_INGEST_STALL_MS``; every
``LEDGER_INGEST_`` setting is passed on to the ingest).
Each run is paired with one of the floor's (``tests/bench/latency_floor.py``: pull, insert,
commit, acknowledge, confirm, nothing else) at the same load, the two in alternating
order, so that a run's target missed by the machine is told from one missed by the ledger
(``LEDGER_BENCH_FLOOR=0``: the ledger alone).

``--quick`` (or ``LEDGER_BENCH_LATENCY_RUNS``/``LEDGER_BENCH_LATENCY_SIZES``): fewer and
shorter runs. ``LEDGER_BENCH_PIN=0``: nothing pinned; ``LEDGER_BENCH_NICE``: the
sequencer's thread at that nice value (negative: before other processes; needs the
privilege). The last line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from contracts.topology import Topology
from tests.bench import latency_floor, stack
from tests.bench.latency import one_run
from tests.bench.latency_processes import FLOOR, LEDGER, Processes

RATES = (1000, 5000)
SEED = 100  # the first measured run's (the warm-ups' is 1)
TARGETS = {"p99_ms_at_1000": 10, "p99_ms_at_5000": 20, "p999_ms": 50}


def _plan(argv: list[str]) -> tuple[int, tuple[int, ...]]:
    quick = "--quick" in argv
    runs = int(os.environ.get("LEDGER_BENCH_LATENCY_RUNS", "1" if quick else "5"))
    sizes = os.environ.get("LEDGER_BENCH_LATENCY_SIZES", "2000,5000" if quick else "10000,50000")
    return runs, tuple(int(s) for s in sizes.split(","))


def _pinning() -> tuple[set[int] | None, set[int] | None]:
    """The generator's CPU and the sequencer's (the others), if there are two or more
    (and ``LEDGER_BENCH_PIN`` is not 0)."""
    if os.environ.get("LEDGER_BENCH_PIN", "1") == "0" or not hasattr(os, "sched_getaffinity"):
        return None, None
    if len(cpus := os.sched_getaffinity(0)) < 2:
        return None, None
    last = max(cpus)
    return {last}, cpus - {last}


def _stalls(log: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The stall lines the ingest logged past ``offset``, and the new offset."""
    with log.open("rb") as f:
        f.seek(offset)
        text = f.read()
    lines = [msgspec.json.decode(x) for x in text.splitlines() if b'"ingest stall"' in x]
    return [x for x in lines if x.get("event") == "ingest stall"], offset + len(text)


def _causes(stalls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    count: Counter[str] = Counter()
    spent: dict[str, float] = defaultdict(float)
    worst: dict[str, float] = defaultdict(float)
    gc: Counter[str] = Counter()  # stalls during which a collection ran
    for s in stalls:
        count[s["cause"]] += 1
        spent[s["cause"]] += s["ms"]
        worst[s["cause"]] = max(worst[s["cause"]], s["ms"])
        gc[s["cause"]] += bool(s["gc_during"])
    return [
        {"cause": c, "stalls": n, "total_ms": round(spent[c], 1), "worst_ms": worst[c],
         "with_gc": gc[c]}
        for c, n in count.most_common(5)
    ]  # fmt: skip


def _order(runs: int, sizes: tuple[int, ...]) -> list[tuple[int, int]]:
    """Every (events, rate) once per round, each round in the reverse order of the last."""
    round_ = [(n, r) for r in RATES for n in sizes]
    return [cell for i in range(runs) for cell in (round_ if i % 2 == 0 else round_[::-1])]


@dataclass
class _Runs:
    """The runs made so far, each pipeline's, and the stalls the ingest logged during the
    ledger's."""

    nats_url: str
    cpus: set[int] | None  # the generator's
    log: Path  # the ingest's
    offset: int = 0  # how far ``log`` has been read
    made: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {LEDGER: [], FLOOR: []})
    stalls: list[dict[str, Any]] = field(default_factory=list)

    async def run(self, pipeline: str, topology: Topology, n: int, rate: int, seed: int) -> None:
        figures = await one_run(self.nats_url, topology, rate, n, seed=seed, cpus=self.cpus)
        run: dict[str, Any] = figures | {"pipeline": pipeline}
        if pipeline == LEDGER:
            found, self.offset = _stalls(self.log, self.offset)
            self.stalls += found
            run |= {"stalls": len(found), "causes": _causes(found)}
        self.made[pipeline].append(run)
        print(msgspec.json.encode(run).decode(), flush=True)


async def main(argv: list[str]) -> dict[str, object]:
    runs, sizes = _plan(argv)
    generator_cpus, sequencer_cpus = _pinning()
    with stack.servers() as (server_url, nats_url), tempfile.TemporaryDirectory() as tmp:
        segments = await stack.wal_recycled(server_url)
        name = f"bench_{uuid.uuid4().hex[:8]}"
        topologies = {LEDGER: Topology(name), FLOOR: Topology(f"{name}_floor")}
        done = _Runs(nats_url, generator_cpus, Path(tmp) / "ingest.log")
        processes = Processes(server_url, nats_url, sequencer_cpus)
        try:
            await processes.start_ledger(topologies[LEDGER], done.log)
            await processes.start_floor(topologies[FLOOR])
            done.offset = _stalls(done.log, 0)[1]
            for seed, (n, rate) in enumerate(_order(runs, sizes), start=SEED):
                for pipeline in _pipelines(seed, FLOOR in processes.running):
                    processes.alive(pipeline)
                    await done.run(pipeline, topologies[pipeline], n, rate, seed)
        finally:
            processes.stop()
    return _report(done.made[LEDGER], done.stalls, runs, generator_cpus, sequencer_cpus) | {
        "floor": latency_floor.figures(done.made[FLOOR], RATES),
        "wal_segments_ready": segments,
    }


def _pipelines(seed: int, with_floor: bool) -> tuple[str, ...]:
    """The pipelines offered a cell's load, in the order of that cell: the ledger first in
    every other cell (and so, as ``_order`` goes, every other round of each cell)."""
    if not with_floor:
        return (LEDGER,)
    return (LEDGER, FLOOR) if seed % 2 == 0 else (FLOOR, LEDGER)


def _report(
    results: list[dict[str, Any]], stalls: list[dict[str, Any]], runs: int,
    generator_cpus: set[int] | None, sequencer_cpus: set[int] | None,
) -> dict[str, object]:  # fmt: skip
    by_rate: dict[str, object] = {}
    for rate in RATES:
        mine = [r for r in results if r["offered"] == rate]
        by_rate[str(rate)] = {
            "p99_ms_by_run": [(r["events"], r["p99_ms"]) for r in mine],
            "worst_p99_ms": max(r["p99_ms"] for r in mine),
            "worst_p999_ms": max(r["p999_ms"] for r in mine),
            "worst_send_late_p99_ms": max(r["send_late_p99_ms"] for r in mine),
        }
    return {
        "runs_each": runs,
        "pinned": {
            "generator": sorted(generator_cpus or []),
            "sequencer": sorted(sequencer_cpus or []),
        },
        "by_rate": by_rate,
        "stalls": len(stalls),
        "top_stall_causes": _causes(stalls),
        "targets": TARGETS,
    }


if __name__ == "__main__":
    figures = asyncio.run(main(sys.argv[1:]))
    print(msgspec.json.encode(figures).decode())
