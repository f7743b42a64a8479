"""Helpers for fault tests: ``ledger ingest`` as a real process, bulk publishing, and
re-checking the whole chain afterwards."""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats
from ledger_verify.merkle import leaf_hash, root

from contracts import canonical
from contracts.topology import Topology
from incident_ledger.simulation import history
from ledger.audit.chain import ChainRow, verify
from plumbing import jetstream
from tests.support import ledger_process


async def publish_retrying(
    nats_url: str, topology: Topology, items: list[dict[str, object]], within: float = 60.0
) -> None:
    """``publish``, again from the start while a server just restarted is not ready
    (publishing twice records once: the message ids)."""
    deadline = time.monotonic() + within
    while True:
        try:
            return await publish(nats_url, topology, items)
        except (nats.errors.Error, OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)


def events(n: int, seed: int = 0) -> list[dict[str, object]]:
    """``n`` realistic events, as publishers send them."""
    return [canonical.to_builtins(e) for e in history(n, now=datetime.now(UTC), seed=seed)]


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


_LOGS: dict[int, str] = {}  # pid → the file its warnings and errors go to


def ingest(
    database_url: str, nats_url: str, topology: Topology, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``ledger ingest`` with ``extra`` settings; its warnings and errors kept for
    :func:`said`."""
    return logged("ingest", database_url, nats_url, topology.namespace, extra)


def logged(
    command: str, database_url: str, nats_url: str, namespace: str, extra: dict[str, str] | None
) -> subprocess.Popen[bytes]:
    """``ledger <command>`` with its log kept for :func:`said` and :func:`until_said`."""
    handle, log = tempfile.mkstemp(prefix=f"ledger-{command}-", suffix=".log")
    os.close(handle)
    proc = ledger_process(command, database_url, nats_url, namespace, log, extra)
    _LOGS[proc.pid] = log
    return proc


STANDBY = {"LEDGER_LOG_LEVEL": "info"}  # for a process to say when it stands by


async def until_said(proc: subprocess.Popen[bytes], text: str, within: float = 60.0) -> None:
    """Until ``proc``'s log holds ``text`` (a standby saying it stands by: started with
    ``STANDBY``, so that it logs at info)."""
    deadline = time.monotonic() + within
    while text not in said(proc, last=100_000):
        assert time.monotonic() < deadline, f"never said {text!r}; {said(proc)}"
        await asyncio.sleep(0.1)


async def takeover(database_url: str, rows: int, killed: float, within: float = 60.0) -> float:
    """Seconds from ``killed`` until the log holds more than ``rows`` records."""
    assert await wait_rows(database_url, rows + 1, within, poll=0.05) > rows
    return time.monotonic() - killed


def said(proc: subprocess.Popen[bytes], last: int = 3_000) -> str:
    """The end of what a process started by :func:`logged` logged: for an assertion's
    message."""
    with open(_LOGS.get(proc.pid, os.devnull), "rb") as log:
        text = log.read().decode(errors="replace")[-last:]
    return f"the ingest (exit code {proc.poll()}) logged:\n{text or '(nothing)'}"


async def count(database_url: str) -> int:
    try:
        conn = await asyncpg.connect(database_url, timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return -1
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


async def wait_rows(database_url: str, expected: int, within: float, poll: float = 0.1) -> int:
    deadline, seen = time.monotonic() + within, -1
    while time.monotonic() < deadline:
        seen = await count(database_url)
        if seen >= expected:
            return seen
        await asyncio.sleep(poll)
    return seen


async def chain_problems(database_url: str) -> list[str]:
    """What is wrong with the hash links and the Merkle head: moved in the transaction of
    each append, it covers exactly the committed records, whatever was killed when."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT * FROM events ORDER BY position")
        head = await conn.fetchrow("SELECT size, root FROM merkle_head WHERE id = 1")
    finally:
        await conn.close()
    problems = verify(msgspec.convert([dict(r) for r in rows], list[ChainRow]))
    leaves = [leaf_hash(r["record"]) for r in rows]
    if head["size"] != len(rows) or root(leaves) != head["root"]:
        problems.append(f"merkle_head at size {head['size']} is not the root of the records")
    return problems


async def recorded_ids(database_url: str) -> set[str]:
    conn = await asyncpg.connect(database_url)
    try:
        return {str(r[0]) for r in await conn.fetch("SELECT event_id FROM events")}
    finally:
        await conn.close()
