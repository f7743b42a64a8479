"""Audit-trail benchmark (issue: verifiable audit trail). One run, one machine:

ingest of the same events with the Merkle log and the checkpoint signer on, with the
Merkle log alone (a signer elsewhere), and with neither, twice each, and the ratios of
their means; then ``ledger verify`` of the
live database, an export in the tlog-tiles layout, and ``ledger-verify`` of that export,
each in records/s; then, from the pin states those full runs leave, ``LEDGER_BENCH_AUDIT_NEW``
more events signed, and incremental runs (``ledger verify --since``, ``ledger-verify --pin``
on a new export): their records/s, the records each read and the ratio to the new ones.
The last line printed is one JSON object of figures and ratios.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import msgspec
from ledger_verify import export as offline
from ledger_verify import note, pin_state
from ledger_verify.pin_state import PinState
from ledger_verify.report import Report

from contracts.topology import Topology
from incident_ledger.commands.audit_run import export_full
from ledger.audit import live_verify, since_verify
from plumbing import db
from tests.bench import stack
from tests.bench.ingest import prefill
from tests.support import ledger_process

# Large enough for ``ledger verify`` to check in worker processes (live_verify.PARALLEL_FROM).
N = int(os.environ.get("LEDGER_BENCH_AUDIT_EVENTS", "400000"))
NEW = int(os.environ.get("LEDGER_BENCH_AUDIT_NEW", str(max(1, N // 40))))
KEY = note.generate("bench.example/log")


async def _ingest(
    server: str, nats_url: str, data: list[bytes], run: str, keyfile: Path
) -> tuple[str, float]:
    """(database, events/s) of ``ledger ingest`` over ``data``: ``run`` is "without" the
    Merkle log, with the "log" alone, or "with" the log and ``ledger sign`` beside it."""
    url = await db.ensure_database(server, f"bench_{uuid.uuid4().hex[:8]}")
    await db.migrate(url)
    return url, await _run(url, nats_url, data, run, keyfile)


async def _run(url: str, nats_url: str, data: list[bytes], run: str, keyfile: Path) -> float:
    """``ledger ingest`` (and ``ledger sign``) on ``url`` until ``data`` is in (and
    signed); the events/s."""
    topology = Topology(f"audit{uuid.uuid4().hex[:6]}")
    await prefill(nats_url, topology, data)
    extra = {
        "LEDGER_INGEST_MERKLE_LOG": "false" if run == "without" else "true",
        "LEDGER_AUDIT_KEY_FILE": str(keyfile),
        "LEDGER_AUDIT_STATE_DIR": tempfile.mkdtemp(),
        "LEDGER_AUDIT_CHECKPOINT_DIR": tempfile.mkdtemp(),
    }
    procs = [ledger_process("ingest", url, nats_url, topology.namespace, extra=extra)]
    signed = run == "with"
    if signed:
        procs.append(ledger_process("sign", url, nats_url, topology.namespace, extra=extra))
    conn = await asyncpg.connect(url)
    try:
        before = await stack.recorded(conn)
        while await stack.recorded(conn) < before + len(data):
            await asyncio.sleep(0.05)
        first, last = await conn.fetchrow(
            "SELECT min(recorded_at), max(recorded_at) FROM events WHERE position > $1", before
        )
        while signed and await _signed(conn) < before + len(data):
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    return stack.rate(len(data) - 1, (last - first).total_seconds())


async def _signed(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(size), 0) FROM checkpoints"))


async def _verify_live(url: str, workers: int) -> tuple[float, PinState]:
    """``ledger verify``'s rate with ``workers`` processes (1: in the verifying process),
    and the pin state it leaves."""
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        report = await live_verify.verify(
            conn, [KEY.verifier()], lambda done, total: None, url=url, workers=workers,
            keep=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    assert report.exit_code == 0, report.render_text()
    assert report.state is not None
    return stack.rate(report.events, elapsed), report.state


async def _export(url: str) -> tuple[Path, int, float]:
    directory = Path(tempfile.mkdtemp()) / "export"
    started = time.perf_counter()
    size = await export_full(url, directory, lambda done, total: None)
    return directory, size, time.perf_counter() - started


async def _offline(directory: Path, state: PinState | None = None) -> tuple[float, Report]:
    """``ledger-verify`` of an export (from ``state``): its seconds and its report."""
    pinned = None if state is None else pin_state.open_state(state, [KEY.verifier()])
    started = time.perf_counter()
    report = await asyncio.to_thread(offline.verify, directory, [KEY.verifier()], state=pinned)
    checked = time.perf_counter() - started
    assert report.exit_code == 0, report.render_text()
    return checked, report


async def _since(url: str, state: PinState) -> tuple[float, int]:
    """``ledger verify --since``: its seconds and the records it read."""
    conn = await asyncpg.connect(url)
    try:
        pinned = pin_state.open_state(state, [KEY.verifier()])
        started = time.perf_counter()
        report = await since_verify.verify_since(
            conn, [KEY.verifier()], pinned, lambda done, total: None
        )
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    assert report.exit_code == 0, report.render_text()
    return elapsed, report.events


async def _incremental(
    url: str, nats_url: str, keyfile: Path, live: PinState, exported: PinState
) -> dict[str, float]:
    """``NEW`` more events signed, then both incremental runs from the full runs' states."""
    await _run(url, nats_url, stack.encoded(stack.events(NEW)), "with", keyfile)
    live_s, live_read = await _since(url, live)
    directory, _, _ = await _export(url)
    offline_s, report = await _offline(directory, exported)
    return {
        "new_records": NEW,
        "since_eps": stack.rate(live_read, live_s),
        "since_seconds": round(live_s, 3),
        "since_read_over_new": round(live_read / NEW, 4),
        "offline_pin_eps": stack.rate(report.events, offline_s),
        "offline_pin_seconds": round(offline_s, 3),
        "offline_pin_read_over_new": round(report.events / NEW, 4),
    }


async def main() -> dict[str, object]:
    data = stack.encoded(stack.events(N))
    keyfile = Path(tempfile.mkdtemp()) / "signer.key"
    keyfile.write_text(str(KEY) + "\n")
    with stack.servers() as (server, nats_url):
        # Each configuration twice, in mirrored order, so that a machine whose speed drifts
        # meets them alike (single runs on this VM swing by ±15%).
        rates: dict[str, list[float]] = {"without": [], "log": [], "with": []}
        signed_logs = []
        for run in ("without", "with", "log", "log", "with", "without"):
            ingested, rate = await _ingest(server, nats_url, data, run, keyfile)
            rates[run].append(rate)
            signed_logs += [ingested] if run == "with" else []
        url = signed_logs[-1]
        without, log_only, with_log = (statistics.fmean(rates[k]) for k in rates)
        verify_eps, live_state = await _verify_live(url, os.cpu_count() or 1)
        verify_one, _ = await _verify_live(url, 1)
        directory, size, exported = await _export(url)
        checked, report = await _offline(directory)
        export_eps, offline_eps = stack.rate(size, exported), stack.rate(size, checked)
        assert report.state is not None
        incremental = await _incremental(url, nats_url, keyfile, live_state, report.state)
    return {
        "events": N,
        "ingest_eps_without_merkle": without,
        "ingest_eps_with_merkle_and_checkpoints": with_log,
        "with_over_without": stack.ratio(with_log, without),
        "ingest_eps_with_merkle_log_alone": log_only,
        "log_alone_over_without": stack.ratio(log_only, without),
        "ingest_runs_eps": rates,
        "ledger_verify_eps": verify_eps,
        "ledger_verify_workers": os.cpu_count() or 1,
        "ledger_verify_eps_one_process": verify_one,
        "export_eps": export_eps,
        "offline_verify_eps": offline_eps,
        "offline_over_ledger_verify": stack.ratio(offline_eps, verify_eps),
        "incremental": incremental,
        "targets": {
            "ledger_verify_eps": 200_000,
            "with_over_without": 0.9,
            "offline_over_ledger_verify": 0.8,
            "read_over_new": 1.0,
        },
    }


if __name__ == "__main__":
    figures = asyncio.run(main())
    print(msgspec.json.encode(figures).decode())
