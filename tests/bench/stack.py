"""Servers and data for the benchmarks: the embedded PostgreSQL and NATS (or the ones
named by LEDGER_BENCH_DATABASE_URL / LEDGER_BENCH_NATS_URL), fresh data each run."""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec

from contracts import canonical, scenarios
from ledger.simulation import plan
from ledger.stack.nats import EmbeddedNats
from ledger.stack.postgres import EmbeddedPostgres


@contextlib.contextmanager
def servers() -> Iterator[tuple[str, str]]:
    db_url = os.environ.get("LEDGER_BENCH_DATABASE_URL")
    nats_url = os.environ.get("LEDGER_BENCH_NATS_URL")
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        postgres, nats = EmbeddedPostgres(Path(tmp)), EmbeddedNats(Path(tmp))
        try:
            yield db_url or postgres.start(), nats_url or nats.start()
        finally:
            nats.stop()
            postgres.stop()


def events(n: int) -> list[dict[str, object]]:
    """``n`` realistic events: every scenario in turn, backdated, as publishers send them."""
    out: list[dict[str, object]] = []
    names, now = scenarios.scenario_names(), datetime.now(UTC)
    for seed in range(n):
        for timed in plan(names[seed % len(names)], now=now, speed=math.inf, seed=seed):
            out.append(canonical.to_builtins(timed.envelope))
            if len(out) == n:
                return out
    return out


def encoded(batch: list[dict[str, object]]) -> list[bytes]:
    return [msgspec.json.encode(e) for e in batch]


def service_process(
    command: str, db_url: str, nats_url: str, namespace: str
) -> subprocess.Popen[bytes]:
    """``ledger ingest`` or ``ledger project`` as a process of its own."""
    env = dict(
        os.environ,
        LEDGER_DATABASE_URL=db_url,
        LEDGER_NATS_URL=nats_url,
        LEDGER_NATS_NAMESPACE=namespace,
        LEDGER_LOG_LEVEL="warning",
    )
    ledger = str(Path(sys.executable).parent / "ledger")
    return subprocess.Popen([ledger, command], env=env, stdout=subprocess.DEVNULL)


def ingest_process(db_url: str, nats_url: str, namespace: str) -> subprocess.Popen[bytes]:
    return service_process("ingest", db_url, nats_url, namespace)


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0
