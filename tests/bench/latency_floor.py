"""The floor under the ledger's publish→commit latency on this machine: a pipeline that does
only what any durable ingest must (pull a batch from JetStream, insert it in one statement
and commit it with ``synchronous_commit`` on, acknowledge it, publish each event's
confirmation) and nothing the ledger adds (decoding, sealing, sequencing, the Merkle log).
The latency runs offer it the same load as the ledger, alternating with it
(``tests/bench/latency_runs.py``): where the floor's p99 misses a target in a run, the
machine misses it in that run, whatever the ledger does.

It pulls through the ledger's own ``Puller`` (the floor is the machine's, not a slower
client's), reads each event's id from its ``Nats-Msg-Id`` (the generator sets it to the
event id) and runs one batch at a time: at the rates measured a cycle is shorter than the
time between events, so there is nothing to overlap."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import nats

from contracts.topology import Topology
from ledger.ingest.puller import Puller
from plumbing import db, jetstream
from tests.bench.latency import one_run

_TABLE = "CREATE TABLE IF NOT EXISTS floor_events (seq bigint PRIMARY KEY, data bytea NOT NULL)"
_INSERT = """INSERT INTO floor_events SELECT * FROM unnest($1::bigint[], $2::bytea[])
ON CONFLICT (seq) DO NOTHING"""


async def serve(database_url: str, nats_url: str, namespace: str) -> None:
    """The floor's pipeline on ``namespace``'s stream, until the process is stopped."""
    topology = Topology(namespace)
    conn = await asyncpg.connect(database_url)
    await conn.execute(_TABLE)
    nc = await nats.connect(nats_url)
    await jetstream.restart_consumer(nc.jetstream(), topology, 1)
    puller = Puller(nc, topology, batch=2500)
    await puller.start()
    while True:
        if not (msgs := await puller.take(1.0)):
            continue
        seqs = [m.metadata.sequence.stream for m in msgs]
        await conn.execute(_INSERT, seqs, [m.data for m in msgs])
        await msgs[-1].ack()  # the consumer acknowledges all before the last (AckPolicy.ALL)
        for m in msgs:
            event_id = (m.headers or {}).get("Nats-Msg-Id", "")
            body = msgspec.json.encode({"event_id": event_id})
            await nc.publish(topology.recorded_subject(topology.incident_of(m.subject)), body)


async def prepared(server_url: str, nats_url: str, name: str) -> str:
    """The floor's database and streams (``name`` for both): the database's URL."""
    url = await db.ensure_database(server_url, name)
    nc = await nats.connect(nats_url)
    await jetstream.ensure_topology(nc.jetstream(), Topology(name))
    await nc.close()
    return url


async def started(
    server_url: str, nats_url: str, topology: Topology, cpus: set[int] | None
) -> subprocess.Popen[bytes]:
    """The floor's process on ``topology``, pinned to ``cpus`` and warmed up."""
    url = await prepared(server_url, nats_url, topology.namespace)
    proc = process(url, nats_url, topology.namespace)
    if cpus:
        os.sched_setaffinity(proc.pid, cpus)
    await one_run(nats_url, topology, 2000, 2000, seed=1)  # warmed up: not measured
    return proc


def figures(runs: list[dict[str, Any]], rates: tuple[int, ...]) -> dict[str, object]:
    """The floor's p99 and p99.9 of every run, by offered rate."""
    return {
        str(rate): {
            "p99_ms_by_run": [(r["events"], r["p99_ms"]) for r in mine],
            "p999_ms_by_run": [(r["events"], r["p999_ms"]) for r in mine],
        }
        for rate in rates
        if (mine := [r for r in runs if r["offered"] == rate])
    }


def process(database_url: str, nats_url: str, name: str) -> subprocess.Popen[bytes]:
    """The floor's process on what ``prepared`` made, ready to be offered a load on
    ``Topology(name)``."""
    command = [sys.executable, "-m", "tests.bench.latency_floor", database_url, nats_url, name]
    return subprocess.Popen(command, cwd=Path(__file__).parents[2], stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    asyncio.run(serve(*sys.argv[1:4]))
