"""Helpers for fault tests: ``ledger ingest`` as a real process, bulk publishing, and
re-checking the whole chain afterwards."""

from __future__ import annotations

import asyncio
import math
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec
import nats

from contracts import canonical, scenarios
from contracts.topology import Topology
from ledger import jetstream
from ledger.chain import ChainRow, verify
from ledger.simulation import plan

LEDGER = str(Path(sys.executable).parent / "ledger")


def events(n: int, seed: int = 0) -> list[dict[str, object]]:
    """``n`` realistic events from the scenarios, backdated, each incident whole."""
    names, now, out = scenarios.scenario_names(), datetime.now(UTC), []
    for k in range(n):
        for timed in plan(names[k % len(names)], now=now, speed=math.inf, seed=seed + k):
            out.append(canonical.to_builtins(timed.envelope))
            if len(out) == n:
                return out
    return out


async def publish(
    nats_url: str,
    topology: Topology,
    items: list[dict[str, object]],
    msg_ids: list[str] | None = None,
) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await jetstream.ensure_topology(js, topology)
    for start in range(0, len(items), 5000):
        acks = []
        for i in range(start, min(start + 5000, len(items))):
            event = items[i]
            msg_id = msg_ids[i] if msg_ids else str(event["event_id"])
            subject = topology.event_subject(str(event["source"]), str(event["incident_id"]))
            acks.append(
                await js.publish_async(
                    subject, msgspec.json.encode(event), headers={"Nats-Msg-Id": msg_id}
                )
            )
        await asyncio.gather(*acks)
    await nc.close()


def ingest(database_url: str, nats_url: str, topology: Topology) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_NATS_URL": nats_url,
        "LEDGER_NATS_NAMESPACE": topology.namespace,
        "LEDGER_LOG_LEVEL": "warning",
    }
    log = os.environ.get("LEDGER_TEST_INGEST_LOG")
    err = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
    return subprocess.Popen([LEDGER, "ingest"], env=env, stdout=subprocess.DEVNULL, stderr=err)


async def count(database_url: str) -> int:
    try:
        conn = await asyncpg.connect(database_url, timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return -1
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


async def wait_rows(database_url: str, expected: int, within: float) -> int:
    deadline, seen = time.monotonic() + within, -1
    while time.monotonic() < deadline:
        seen = await count(database_url)
        if seen >= expected:
            return seen
        await asyncio.sleep(0.1)
    return seen


async def chain_problems(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT * FROM events ORDER BY position")
    finally:
        await conn.close()
    return verify(msgspec.convert([dict(r) for r in rows], list[ChainRow]))
