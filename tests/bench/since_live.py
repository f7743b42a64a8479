"""Incremental ``ledger verify --since`` on the live ledger (issue: verification that keeps
pace with the log): ``LEDGER_BENCH_SINCE_RECORDS`` events (default 1,000,000) taken in by
``ledger ingest`` and signed by ``ledger sign`` as processes, checked in full by ``ledger
verify --write-pin PIN``; ``LEDGER_BENCH_SINCE_NEW`` more (default 10,000) taken in and
signed, and checked by ``ledger verify --since PIN``, in this process (its seconds against
the budget: 1 s plus the new records at the full run's rate) and as the command (the
records it read, its exit code). Then record 100 is edited by a superuser with the
triggers off and ``merkle_head`` resealed over the edit: the signer must refuse, the
incremental run must fail, and a full run must name the record. The last line printed is
one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
from ledger_verify import note, pin_state

from contracts import canonical
from contracts.topology import Topology
from incident_ledger.simulation import history
from ledger.audit import since_verify
from ledger.audit.signer import Policy, Refused, Signer
from plumbing import db
from tests.bench import stack
from tests.bench.ingest import prefill
from tests.integration import tampering
from tests.support import ledger_process, master_key_file

N = int(os.environ.get("LEDGER_BENCH_SINCE_RECORDS", "1000000"))
NEW = int(os.environ.get("LEDGER_BENCH_SINCE_NEW", "10000"))
KEY = note.generate("bench.example/log")
TAMPERED_AT = 100  # the record tampering.flip_a_byte edits


class Ledger:
    """One database, its servers and the signer's files, kept across the runs."""

    def __init__(self, url: str, nats_url: str) -> None:
        self.url, self.nats_url, self.dir = url, nats_url, Path(tempfile.mkdtemp())
        (self.dir / "signer.key").write_text(str(KEY) + "\n")
        (self.dir / "verifier.key").write_text(str(KEY.verifier()) + "\n")
        self.env = {
            "LEDGER_AUDIT_KEY_FILE": str(self.dir / "signer.key"),
            "LEDGER_AUDIT_STATE_DIR": str(self.dir / "state"),
            "LEDGER_AUDIT_CHECKPOINT_DIR": str(self.dir / "out"),
        }

    async def take_in(self, data: list[bytes]) -> float:
        """``data`` published, recorded and signed by ``ledger ingest`` and ``ledger sign``;
        the seconds it took."""
        topology, started = Topology(f"since{uuid.uuid4().hex[:6]}"), time.perf_counter()
        await prefill(self.nats_url, topology, data)
        procs = [
            ledger_process(c, self.url, self.nats_url, topology.namespace, extra=self.env)
            for c in ("ingest", "sign")
        ]
        conn = await asyncpg.connect(self.url)
        try:
            goal = await stack.recorded(conn) + len(data)
            while await _signed(conn) < goal:
                await asyncio.sleep(0.2)
        finally:
            await conn.close()
            for proc in procs:
                proc.terminate()
                proc.wait(30)
        return time.perf_counter() - started

    def verify(self, *args: str) -> tuple[float, int, dict[str, Any]]:
        """``ledger verify --json ARGS`` as a command: its seconds, exit code and report
        (``--help``: the seconds to start the command, and no report)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        env |= {
            "LEDGER_DATABASE_URL": self.url,
            "LEDGER_NATS_URL": self.nats_url,
            "LEDGER_LOG_LEVEL": "warning",
            "LEDGER_PRIVACY_KEY_FILE": master_key_file(),
        }
        ledger = str(Path(sys.executable).parent / "ledger")
        command = [ledger, "verify", "--json", "--key", str(self.dir / "verifier.key"), *args]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, check=False)
        seconds = time.perf_counter() - started
        report = {} if "--help" in args else json.loads(done.stdout)
        return seconds, done.returncode, report


async def _signed(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(size), 0) FROM checkpoints"))


def _events(n: int) -> list[bytes]:
    now = datetime.now(UTC)
    return [msgspec.json.encode(canonical.to_builtins(e)) for e in history(n, now=now)]


async def _since_in_process(url: str, pin: Path) -> tuple[float, int, int]:
    """``ledger verify --since`` in this process, from reading the state file to the
    report (what the command does once started): seconds, exit code, records read."""
    started = time.perf_counter()
    state = pin_state.parse(await asyncio.to_thread(pin.read_text))
    conn = await asyncpg.connect(url)
    try:
        pinned = pin_state.open_state(state, [KEY.verifier()])
        report = await since_verify.verify_since(
            conn, [KEY.verifier()], pinned, lambda done, total: None
        )
        return time.perf_counter() - started, report.exit_code, report.events
    finally:
        await conn.close()


async def _signer_refuses(ledger: Ledger) -> bool:
    """The checkpoint signer, on its own state, asked to sign the tampered head."""
    conn = await asyncpg.connect(ledger.url)
    try:
        text = await conn.fetchval("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
        origin = str(text).split("\n", 1)[0]
        signer = Signer(KEY, origin, ledger.dir / "state", ledger.dir / "out", Policy(idle=0))

        async def publish(_: str) -> None:
            return None

        try:
            await signer.tick(conn, publish, now=time.time())
        except Refused:
            return True
        return False
    finally:
        await conn.close()


async def _tamper(ledger: Ledger, pin: Path) -> dict[str, Any]:
    """Record 100 edited behind the pin: a bare edit, then ``merkle_head`` resealed."""
    owner = await asyncpg.connect(ledger.url)
    try:
        await tampering.flip_a_byte(owner)
        bare_exit = (await _since_in_process(ledger.url, pin))[1]
        await tampering.reseal(owner)
    finally:
        await owner.close()
    refused = await _signer_refuses(ledger)
    since_s, since_exit, since = ledger.verify("--since", str(pin))
    full_s, full_exit, full = ledger.verify()
    named = [f for f in full["findings"] if f["position"] == TAMPERED_AT]
    assert (since_exit, full_exit, refused) == (1, 1, True), (since, full)
    assert named, full
    return {
        "bare_edit_since_exit": bare_exit,
        "signer_refused": refused,
        "since_exit": since_exit,
        "since_findings": [f["code"] for f in since["findings"]],
        "since_seconds": round(since_s, 3),
        "full_exit": full_exit,
        "full_names": named[0],
        "full_seconds": round(full_s, 3),
    }


async def _full(ledger: Ledger, data: list[bytes], pin: Path) -> float:
    """The first ``N`` events taken in and checked in full, the pin written: its seconds."""
    taken = await ledger.take_in(data[:N])
    print(f"{N:,} records taken in and signed in {taken:.1f} s", flush=True)
    full_s, full_exit, full = ledger.verify("--write-pin", str(pin))
    assert full_exit == 0, full
    assert full["events"] == N, full
    print(f"full run: {N:,} records in {full_s:.1f} s, pin at {full['size']}", flush=True)
    return full_s


async def _since(ledger: Ledger, data: list[bytes], pin: Path, full_s: float) -> dict[str, Any]:
    """The other ``NEW`` events taken in, then checked from the pin."""
    await ledger.take_in(data[N:])
    in_s, in_exit, in_read = await _since_in_process(ledger.url, pin)
    cli_s, cli_exit, cli = ledger.verify("--since", str(pin))
    assert (in_exit, cli_exit, in_read) == (0, 0, cli["events"]), cli
    budget, start_s = 1 + full_s / N * NEW, ledger.verify("--help")[0]
    print(f"--since: {cli['events']:,} records read for {NEW:,} new, {in_s:.3f} s in"
          f" process, {cli_s:.3f} s as a command ({start_s:.3f} s to start it);"
          f" budget {budget:.3f} s", flush=True)  # fmt: skip
    return {
        "since_records_read": cli["events"],
        "since_read_over_new": cli["events"] / NEW,
        "since_seconds_in_process": round(in_s, 3),
        "since_seconds_command": round(cli_s, 3),
        "command_start_seconds": round(start_s, 3),
        "budget_seconds": round(budget, 3),
        "within_budget": in_s < budget,
    }


async def main() -> dict[str, object]:
    started = time.perf_counter()
    data = _events(N + NEW)
    print(f"{N + NEW:,} events made in {time.perf_counter() - started:.1f} s", flush=True)
    with stack.servers() as (server, nats_url):
        url = await db.ensure_database(server, f"bench_{uuid.uuid4().hex[:8]}")
        await db.migrate(url)
        ledger, pin = Ledger(url, nats_url), Path(tempfile.mkdtemp()) / "pin.json"
        full_s = await _full(ledger, data, pin)
        since = await _since(ledger, data, pin, full_s)
        tamper = await _tamper(ledger, pin)
        print(f"tamper of record {TAMPERED_AT}: {tamper}", flush=True)
    figures = {"records": N, "new_records": NEW, "full_seconds": round(full_s, 3)}
    return figures | {"full_eps": stack.rate(N, full_s)} | since | {
        "load_average": os.getloadavg(), "tamper": tamper,
    }  # fmt: skip


if __name__ == "__main__":
    print(msgspec.json.encode(asyncio.run(main())).decode())
