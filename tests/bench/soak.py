"""``make soak``: the clustered topology under steady load with a fault every minute.

Three NATS nodes (streams at three replicas), PostgreSQL, two ingests, two projectors and
a signer, as separate processes; a publisher offers ``LEDGER_SOAK_RATE`` events/s (2,000)
for ``LEDGER_SOAK_SECONDS`` (600) while, once a minute in turn, the NATS stream leader,
the ingest leader or the projector leader is killed (and brought back 15 s later), or
PostgreSQL is restarted. It prints what was lost and duplicated (both must be 0),
publish→commit latency, projection lag and the services' memory, and ``ledger verify``'s
verdict; the last line is one JSON object. Timings are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import asyncpg
import msgspec
from ledger_verify import note

from contracts.topology import Topology
from incident_ledger.stack.nats_cluster import NatsCluster
from incident_ledger.stack.postgres import EmbeddedPostgres
from ledger.audit import live_verify
from plumbing import db, jetstream
from tests.bench.soak_parts import Faults, Load, Services, percentile, projection_lag

SECONDS = int(os.environ.get("LEDGER_SOAK_SECONDS", "600"))
RATE = int(os.environ.get("LEDGER_SOAK_RATE", "2000"))
KEY = note.generate("incident-ledger")


async def _declare(cluster: NatsCluster) -> None:
    nc = await jetstream.connect(cluster.url("ingest"), "soak")
    try:
        await jetstream.declare(nc, Topology(), replicas=3)
    finally:
        await nc.close()


async def _rejections(cluster: NatsCluster) -> int:
    nc = await jetstream.connect(cluster.url("ingest"), "soak")
    try:
        info = await nc.jetstream(timeout=10).stream_info(Topology().rejected_stream)
        return int(info.state.messages)
    finally:
        await nc.close()


async def _outcome(url: str, load: Load) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        rows, distinct = await conn.fetchrow(
            "SELECT count(*), count(DISTINCT event_id) FROM events"
        )
        recorded = {str(r[0]) for r in await conn.fetch("SELECT event_id FROM events")}
        report = await live_verify.verify(conn, [KEY.verifier()], lambda done, total: None)
    finally:
        await conn.close()
    lost = sorted(load.acked - recorded)
    if lost:
        print(f"lost (first 5 of {len(lost)}): {lost[:5]}", flush=True)
    return {"published": len(load.acked), "rows": rows, "lost": len(lost),
            "duplicated": rows - distinct, "verify_exit_code": report.exit_code}  # fmt: skip


async def _run(directory: Path) -> dict[str, object]:
    postgres, cluster = EmbeddedPostgres(directory), NatsCluster(directory / "nats")
    url = await db.ensure_database(postgres.start(), "ledger")
    await db.migrate(url)
    cluster.start()
    await _declare(cluster)
    (directory / "signer.key").write_text(f"{KEY}\n")
    services = Services(directory, url, cluster)
    services.start()
    load = Load(cluster, RATE)
    faults = Faults(cluster, postgres, services)
    lags: list[float] = []
    by_minute: list[dict[str, list[float]]] = []  # flat memory shows as a plateau here
    try:
        await asyncio.sleep(5)  # leaders elected, streams declared
        rss_start = services.rss()
        publishing = asyncio.create_task(load.run(SECONDS))
        started = time.monotonic()
        while not publishing.done():
            await asyncio.sleep(1)
            lags.append(await projection_lag(url))
            if len(lags) % 60 == 0:
                by_minute.append(services.rss())
            await faults.tick(time.monotonic() - started)
        await publishing
        await load.settle(url, within=120)
        rss_end = services.rss()
        outcome = await _outcome(url, load) | {"rejected": await _rejections(cluster)}
    finally:
        services.stop()
        cluster.stop()
        postgres.stop()
    return outcome | {
        "seconds": SECONDS, "offered_eps": RATE, "faults": faults.done,
        "publish_to_commit_ms": {"p50": percentile(load.latencies, 0.5),
                                 "p99": percentile(load.latencies, 0.99)},
        "projection_lag_s_p99": percentile(lags, 0.99),
        # how long each fault held events up: the slowest publish→commit around it
        "stall_s_by_fault": [[kind, load.stall(at)] for kind, at in faults.injected],
        "rss_mb_start": rss_start, "rss_mb_end": rss_end, "rss_mb_by_minute": by_minute,
    }  # fmt: skip


if __name__ == "__main__":
    kept = os.environ.get("LEDGER_SOAK_DIR")  # keep the servers' data and logs there
    with tempfile.TemporaryDirectory(prefix="ledger-soak-") as tmp:
        figures = asyncio.run(_run(Path(kept or tmp)))
    print(msgspec.json.encode(figures).decode())
