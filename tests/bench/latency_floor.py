"""The floor beside the ledger's publish→commit latency on this machine: a pipeline that
does only what any durable ingest must (pull a batch from JetStream, insert it in one
statement and commit it with ``synchronous_commit`` on, acknowledge it, publish each
event's confirmation) and nothing the ledger adds (decoding, sealing, sequencing, the
Merkle log). The latency runs offer it the same load as the ledger, just before or after
it (``tests/bench/latency_runs.py``): where the floor misses a target, the machine missed
it in those minutes, whatever the ledger does.

It pulls through the ledger's own ``Puller`` with the ledger's batch size and collector
tuning, reads each event's id from its ``Nats-Msg-Id`` (the generator sets it to the event
id) and runs one batch at a time: a serial floor. What arrives during a commit joins the
next batch, as in the ledger; the ledger, sending a batch while the one before commits,
could in principle beat it at 5,000/s, where events come 200 µs apart.
"""

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
from plumbing import jetstream
from plumbing.settings import IngestSettings
from plumbing.tuning import tune_gc
from tests.bench import stack
from tests.bench.latency import one_run

# A throwaway table: autovacuum, which its inserts would wake, is kept out of the runs.
_TABLE = """CREATE TABLE IF NOT EXISTS floor_events (seq bigint PRIMARY KEY, data bytea NOT NULL)
WITH (autovacuum_enabled = off)"""
_INSERT = """INSERT INTO floor_events SELECT * FROM unnest($1::bigint[], $2::bytea[])
ON CONFLICT (seq) DO NOTHING"""


async def serve(database_url: str, nats_url: str, namespace: str, batch: int) -> None:
    """The floor's pipeline on ``namespace``'s stream, until the process is stopped."""
    topology = Topology(namespace)
    settings = {"synchronous_commit": "on"}  # whatever the server's default
    conn = await asyncpg.connect(database_url, server_settings=settings)
    await conn.execute(_TABLE)
    nc = await nats.connect(nats_url)
    await jetstream.restart_consumer(nc.jetstream(), topology, 1)
    puller = Puller(nc, topology, batch)
    await puller.start()
    tune_gc()
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


async def started(
    server_url: str, nats_url: str, topology: Topology, running: list[subprocess.Popen[bytes]]
) -> subprocess.Popen[bytes]:
    """The floor's process on ``topology`` (put in ``running`` as soon as it exists),
    warmed up, its database settled."""
    url = await stack.prepared(server_url, nats_url, topology)
    proc = process(url, nats_url, topology.namespace)
    running.append(proc)
    await one_run(nats_url, topology, 2000, 2000, seed=1)  # warmed up: not measured
    await stack.settled(url)
    return proc


def process(database_url: str, nats_url: str, name: str) -> subprocess.Popen[bytes]:
    """The floor's process on what ``stack.prepared`` made, taking the ingest's batch size
    (``LEDGER_INGEST_BATCH``)."""
    batch = os.environ.get("LEDGER_INGEST_BATCH", str(IngestSettings().batch))
    command = [sys.executable, "-m", "tests.bench.latency_floor", database_url, nats_url, name]
    root = Path(__file__).parents[2]
    return subprocess.Popen([*command, batch], cwd=root, stdout=subprocess.DEVNULL)


def figures(runs: list[dict[str, Any]], rates: tuple[int, ...]) -> dict[str, object]:
    """The floor's p99, p99.9 and events lost of every run, by offered rate."""
    return {
        str(rate): {
            "p99_ms_by_run": [(r["events"], r["p99_ms"]) for r in mine],
            "p999_ms_by_run": [(r["events"], r["p999_ms"]) for r in mine],
            "lost_by_run": [(r["events"], r["lost"]) for r in mine],
        }
        for rate in rates
        if (mine := [r for r in runs if r["offered"] == rate])
    }


if __name__ == "__main__":
    database_url, nats_url, namespace, batch = sys.argv[1:5]
    asyncio.run(serve(database_url, nats_url, namespace, int(batch)))
