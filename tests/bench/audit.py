"""Audit-trail benchmark (issue: verifiable audit trail). One run, one machine:

ingest of the same events with the Merkle log and the checkpoint signer on, with the
Merkle log alone (a signer elsewhere), and with neither, twice each, and the ratios of
their means; then ``ledger verify`` of the
live database, an export in the tlog-tiles layout, and ``ledger-verify`` of that export,
each in records/s.
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
from ledger_verify import note

from contracts.topology import Topology
from incident_ledger.commands.audit_run import export_full
from ledger.audit import live_verify
from plumbing import db
from tests.bench import stack
from tests.bench.ingest import prefill
from tests.support import ledger_process

# Large enough for ``ledger verify`` to check in worker processes (live_verify.PARALLEL_FROM).
N = int(os.environ.get("LEDGER_BENCH_AUDIT_EVENTS", "400000"))
KEY = note.generate("bench.example/log")


async def _ingest(
    server: str, nats_url: str, data: list[bytes], run: str, keyfile: Path
) -> tuple[str, float]:
    """(database, events/s) of ``ledger ingest`` over ``data``: ``run`` is "without" the
    Merkle log, with the "log" alone, or "with" the log and ``ledger sign`` beside it."""
    url = await db.ensure_database(server, f"bench_{uuid.uuid4().hex[:8]}")
    await db.migrate(url)
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
        while await stack.recorded(conn) < len(data):
            await asyncio.sleep(0.05)
        first, last = await conn.fetchrow("SELECT min(recorded_at), max(recorded_at) FROM events")
        while signed and await _signed(conn) < len(data):
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    return url, stack.rate(len(data) - 1, (last - first).total_seconds())


async def _signed(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(size), 0) FROM checkpoints"))


async def _verify_live(url: str, workers: int) -> float:
    """``ledger verify``'s rate with ``workers`` processes (1: in the verifying process)."""
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        report = await live_verify.verify(
            conn, [KEY.verifier()], lambda done, total: None, url=url, workers=workers
        )
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    assert report.exit_code == 0, report.render_text()
    return stack.rate(report.events, elapsed)


async def _export_and_verify(url: str) -> tuple[float, float]:
    directory = Path(tempfile.mkdtemp()) / "export"
    started = time.perf_counter()
    size = await export_full(url, directory, lambda done, total: None)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    report = await asyncio.to_thread(offline.verify, directory, [KEY.verifier()])
    checked = time.perf_counter() - started
    assert report.exit_code == 0, report.render_text()
    return stack.rate(size, exported), stack.rate(size, checked)


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
        verify_eps = await _verify_live(url, os.cpu_count() or 1)
        verify_one = await _verify_live(url, 1)
        export_eps, offline_eps = await _export_and_verify(url)
    return {
        "events": N,
        "ingest_eps_without_merkle": without,
        "ingest_eps_with_merkle_and_checkpoints": with_log,
        "with_over_without": round(with_log / without, 3),
        "ingest_eps_with_merkle_log_alone": log_only,
        "log_alone_over_without": round(log_only / without, 3),
        "ingest_runs_eps": rates,
        "ledger_verify_eps": verify_eps,
        "ledger_verify_workers": os.cpu_count() or 1,
        "ledger_verify_eps_one_process": verify_one,
        "export_eps": export_eps,
        "offline_verify_eps": offline_eps,
        "targets": {"ledger_verify_eps": 200_000, "with_over_without": 0.9},
    }


if __name__ == "__main__":
    figures = asyncio.run(main())
    print(msgspec.json.encode(figures).decode())
