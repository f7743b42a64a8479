"""Sealing's cost on the write path (docs/erasure.md): ``ledger ingest`` draining the same
realistic events with no personal value at all, and with personal values in every second
event (the actor's name and, where the payload has one, a ``personal`` block of name, phone
and id number), each sealed under its subject's key; then the erasure of one subject in
that ledger, its key and ciphertexts first, then its messages in NATS (the whole stream
still holding every event published). Runs alternate (without, with, with, without), each
in a fresh database and namespace; the mean of each pair, and the CPU the ingest process
(and, apart, its decoding workers, PostgreSQL and NATS) spent per event from its first
record to its last, which a busy machine distorts less than the rate, and the cores the
whole machine kept busy meanwhile (a run near them is held by the cores). The last line
printed is one JSON object."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from pathlib import Path
from statistics import mean
from typing import Any

import asyncpg
import msgspec
import psutil

from contracts.personal import personal_paths
from contracts.topology import Topology
from ledger.store import erased_messages, subject_keys
from ledger.store.sealing import MasterKey
from plumbing import db, jetstream
from tests.bench import stack
from tests.bench.ingest import prefill
from tests.support import ledger_process

N = int(os.environ.get("LEDGER_BENCH_EVENTS", "20000"))
PERSON = {"name": "张三 Zhang San", "phone": "13800000000", "id_number": "110101199003074514"}


def without_personal(event: dict[str, Any]) -> dict[str, Any]:
    payload = dict(event["payload"])
    for field in ("personal", "recipient_name"):
        payload.pop(field, None)
    return event | {"actor": event["actor"] | {"name": ""}, "payload": payload}


def with_personal(event: dict[str, Any]) -> dict[str, Any]:
    payload = dict(event["payload"])
    if ("payload", "personal", "name") in personal_paths(str(event["type"])):
        payload["personal"] = PERSON
    return event | {"actor": event["actor"] | {"name": "李四 Li Si"}, "payload": payload}


class Drained(msgspec.Struct, frozen=True):
    rate: float  # events recorded per second
    cpu_us: float  # the ingest process's CPU per event while it drained
    workers_cpu_us: float  # its decoding workers', per event
    postgres_cpu_us: float  # the embedded PostgreSQL's (every process of it), per event
    nats_cpu_us: float  # the embedded NATS server's, per event
    cores_busy: float  # the whole machine's, on average (a run near its cores is held by them)


def _cpu_s(pid: int) -> tuple[float, float, float, float]:
    """The CPU seconds the ingest process, its decoding workers, the embedded PostgreSQL
    and the embedded NATS server have used so far."""
    proc = psutil.Process(pid)
    own = sum(proc.cpu_times()[:2])
    workers = sum(sum(c.cpu_times()[:2]) for c in proc.children(recursive=True))
    return own, workers, _server_cpu_s("postgres"), _server_cpu_s("nats-server")


def _machine_s() -> tuple[float, float]:
    """The machine's busy and total CPU seconds so far, every core's (idle and waiting for
    the disk are not busy)."""
    machine = psutil.cpu_times()
    total = sum(machine)
    return total - machine.idle - getattr(machine, "iowait", 0.0), total


def _server_cpu_s(name: str) -> float:
    """The CPU seconds of the benchmark's own server ``name`` and its children (0 when the
    bench runs against another server)."""
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == name and "ledger-bench-" in " ".join(proc.info["cmdline"] or []):
            family = [proc, *proc.children(recursive=True)]
            return sum(sum(p.cpu_times()[:2]) for p in family if p.is_running())
    return 0.0


async def _rate(server_url: str, nats_url: str, data: list[bytes], key_file: Path) -> Drained:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    url = await db.ensure_database(server_url, name)
    await db.migrate(url)
    topology = Topology(name)
    await prefill(nats_url, topology, data)
    extra = {"LEDGER_PRIVACY_KEY_FILE": str(key_file)}
    proc = ledger_process("ingest", url, nats_url, name, extra=extra)
    try:
        conn = await asyncpg.connect(url)
        *cpu, busy = await _drained(conn, proc.pid, len(data))
        first, last = await conn.fetchrow("SELECT min(recorded_at), max(recorded_at) FROM events")
        _rate.url, _rate.namespace = url, name  # type: ignore[attr-defined]
        await conn.close()
    finally:
        proc.terminate()
        proc.wait(30)
    rate = stack.rate(len(data) - 1, (last - first).total_seconds())
    ingest, workers, postgres, nats = (round(c / len(data) * 1e6, 1) for c in cpu)
    return Drained(rate, ingest, workers, postgres, nats, round(busy, 2))


async def _drained(conn: asyncpg.Connection, pid: int, n: int) -> tuple[float, ...]:
    """The CPU seconds of the ingest, its workers, PostgreSQL and NATS from the ingest's
    first record to its last, and the cores the machine kept busy meanwhile."""
    while await stack.recorded(conn) < 1:
        await asyncio.sleep(0.01)
    began, machine_began = _cpu_s(pid), _machine_s()
    while await stack.recorded(conn) < n:
        await asyncio.sleep(0.05)
    spent = tuple(e - b for e, b in zip(_cpu_s(pid), began, strict=True))
    busy, total = (e - b for e, b in zip(_machine_s(), machine_began, strict=True))
    return (*spent, busy / total * (psutil.cpu_count() or 1) if total else 0.0)


async def _erasure_seconds(url: str, nats_url: str, namespace: str) -> tuple[float, float, int]:
    """Seconds to erase one subject (key and ciphertexts), then to delete its messages from
    NATS; and how many were deleted."""
    conn = await asyncpg.connect(url)
    subject = await conn.fetchval(
        "SELECT subject FROM subject_keys WHERE subject LIKE '%:claimant' LIMIT 1"
    ) or await conn.fetchval("SELECT subject FROM subject_keys LIMIT 1")
    started = time.perf_counter()
    await subject_keys.erase(conn, subject, "bench", "bench")
    keys = time.perf_counter() - started
    nc = await jetstream.connect(nats_url, "bench")
    started = time.perf_counter()
    js, topology = nc.jetstream(), Topology(namespace)
    [cleared] = await erased_messages.clear(conn, js, topology, [subject])
    messages = time.perf_counter() - started
    await nc.close()
    await conn.close()
    return round(keys, 4), round(messages, 4), cleared.deleted


async def main() -> dict[str, object]:
    base = stack.events(N)
    plain = stack.encoded([without_personal(e) for e in base])
    mixed = stack.encoded(
        [with_personal(e) if i % 2 else without_personal(e) for i, e in enumerate(base)]
    )
    drained: dict[str, list[Drained]] = {"without": [], "with": []}
    with tempfile.TemporaryDirectory() as tmp, stack.servers() as (server_url, nats_url):
        key_file = Path(tmp) / "privacy.key"
        key_file.write_text(MasterKey.generate() + "\n")
        for kind in ("without", "with", "with", "without"):
            data = plain if kind == "without" else mixed
            drained[kind].append(await _rate(server_url, nats_url, data, key_file))
            if kind == "with":
                erased, in_nats, deleted = await _erasure_seconds(
                    _rate.url,  # type: ignore[attr-defined]
                    nats_url,
                    _rate.namespace,  # type: ignore[attr-defined]
                )
    return _report(drained) | {
        "erasure_of_one_subject_s": erased,
        "erasure_nats_step_s": in_nats,
        "erasure_nats_messages_deleted": deleted,
        "erasure_ledger_events": N,
    }


_CPU = {
    "ingest": "cpu_us",
    "workers": "workers_cpu_us",
    "postgres": "postgres_cpu_us",
    "nats": "nats_cpu_us",
}


def _report(drained: dict[str, list[Drained]]) -> dict[str, object]:
    without, with_ = (round(mean(d.rate for d in drained[k]), 1) for k in ("without", "with"))
    return {
        "events": N,
        "ingest_without_personal_per_s": without,
        "ingest_with_personal_every_second_event_per_s": with_,
        "ratio": stack.ratio(with_, without),
        "runs": {k: [d.rate for d in v] for k, v in drained.items()},
        "cores_busy": {k: [d.cores_busy for d in v] for k, v in drained.items()},
        **{
            f"{name}_cpu_us_per_event": {
                k: [getattr(d, field) for d in v] for k, v in drained.items()
            }
            for name, field in _CPU.items()
        },
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
