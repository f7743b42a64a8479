"""The latency runs' processes: the ledger's ingest and the floor beside it
(``tests/bench/latency_floor.py``), each started, warmed up, pinned to the sequencer's CPUs
and niced alike, checked alive before every run, and all stopped however the runs end."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from contracts.topology import Topology
from plumbing import db
from tests.bench import latency_floor, stack
from tests.bench.latency import one_run
from tests.support import ledger_process

LEDGER, FLOOR = "ledger", "floor"


class ProcessEnded(RuntimeError):
    """A pipeline's process ended before a run: its runs would measure nothing."""


class Processes:
    def __init__(self, server_url: str, nats_url: str, cpus: set[int] | None) -> None:
        self.server_url, self.nats_url, self.cpus = server_url, nats_url, cpus
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self._all: list[subprocess.Popen[bytes]] = []  # every one started, to be stopped

    async def start_ledger(self, topology: Topology, log: Path) -> None:
        """The ledger's database and ingest (its stderr to ``log``), warmed up."""
        url = await stack.prepared(self.server_url, self.nats_url, topology)
        await db.migrate(url)
        # ledger_process passes no LEDGER_ variable: the ingest's own settings are passed on
        extra = {k: v for k, v in os.environ.items() if k.startswith("LEDGER_INGEST_")}
        extra["LEDGER_LOG_FORMAT"] = "json"
        proc = ledger_process("ingest", url, self.nats_url, topology.namespace, str(log), extra)
        self._all.append(proc)
        await one_run(self.nats_url, topology, 2000, 2000, seed=1)  # led, warmed up
        await stack.settled(url)
        self._placed(LEDGER, proc)

    async def start_floor(self, topology: Topology) -> None:
        """The floor's, unless ``LEDGER_BENCH_FLOOR`` is 0."""
        if os.environ.get("LEDGER_BENCH_FLOOR", "1") == "0":
            return
        proc = await latency_floor.started(self.server_url, self.nats_url, topology, self._all)
        self._placed(FLOOR, proc)

    def alive(self, pipeline: str) -> None:
        """Raise ``ProcessEnded`` unless ``pipeline``'s process is running."""
        if (code := self.running[pipeline].poll()) is not None:
            raise ProcessEnded(f"the {pipeline}'s process ended (exit {code}) before a run")

    def stop(self) -> None:
        """Every process started terminated, then waited for (killed after 30 s)."""
        for proc in self._all:
            proc.terminate()
        for proc in self._all:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _placed(self, pipeline: str, proc: subprocess.Popen[bytes]) -> None:
        """``proc`` pinned to the sequencer's CPUs, at ``LEDGER_BENCH_NICE`` (its main
        thread: negative needs the privilege), and counted as ``pipeline``'s."""
        if self.cpus:
            os.sched_setaffinity(proc.pid, self.cpus)
        if nice := int(os.environ.get("LEDGER_BENCH_NICE", "0")):
            os.setpriority(os.PRIO_PROCESS, proc.pid, nice)
        self.running[pipeline] = proc
