"""Servers and data for the benchmarks: the embedded PostgreSQL and NATS (or the ones
named by LEDGER_BENCH_DATABASE_URL / LEDGER_BENCH_NATS_URL), fresh data each run."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec
import nats

from contracts import canonical
from contracts.topology import Topology
from incident_ledger.simulation import history
from incident_ledger.stack.nats import EmbeddedNats
from incident_ledger.stack.postgres import EmbeddedPostgres
from plumbing import db, jetstream
from tests.support import ledger_process


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


# A fresh server's WAL grows one 16 MB segment at a time, each written with zeros and
# flushed while every commit waits; a server that has run a while
# reuses the segments its checkpoints recycle, up to min_wal_size, and pays nothing.
WAL_SEGMENT_MB = 16


async def wal_recycled(server_url: str) -> int:
    """The embedded server's WAL grown by ``LEDGER_BENCH_WAL_MB`` (default 1024; 0: not)
    and recycled, as a server that has run a while has it: a latency measured on a fresh
    server would count its WAL's first growth. ``min_wal_size`` is set that large (so
    that checkpoints keep the segments), ``max_wal_size`` raised only if it is smaller.
    Nothing is done to a server named by LEDGER_BENCH_DATABASE_URL (its settings are its
    operator's). The segments ready."""
    megabytes = _wal_megabytes()
    if os.environ.get("LEDGER_BENCH_DATABASE_URL") or not megabytes:
        return 0
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f"ALTER SYSTEM SET min_wal_size = '{megabytes}MB'")
        await _at_least(conn, "max_wal_size", megabytes)
        await conn.execute("SELECT pg_reload_conf()")
        await conn.execute("CREATE TABLE bench_wal_growth (x int)")
        for _ in range(megabytes // WAL_SEGMENT_MB + 1):  # each switch begins a new segment
            await conn.execute("INSERT INTO bench_wal_growth VALUES (1)")
            await conn.execute("SELECT pg_switch_wal()")
        await conn.execute("DROP TABLE bench_wal_growth")
        await conn.execute("CHECKPOINT")  # the segments before it recycled, not removed
        ready = int(await conn.fetchval("SELECT count(*) FROM pg_ls_waldir()"))
    finally:
        await conn.close()
    if ready < megabytes // WAL_SEGMENT_MB:
        raise RuntimeError(f"{ready} WAL segments kept of {megabytes // WAL_SEGMENT_MB}")
    return ready


def _wal_megabytes() -> int:
    value = os.environ.get("LEDGER_BENCH_WAL_MB", "1024")
    if not value.isdigit() or 0 < int(value) < 2 * WAL_SEGMENT_MB:
        raise SystemExit(f"LEDGER_BENCH_WAL_MB: {value!r} is not 0 or a number of MB >= 32")
    return int(value)


async def _at_least(conn: asyncpg.Connection, setting: str, megabytes: int) -> None:
    current = await conn.fetchval(
        "SELECT setting::bigint FROM pg_settings WHERE name = $1", setting
    )
    if int(current) < megabytes:  # both in MB
        await conn.execute(f"ALTER SYSTEM SET {setting} = '{megabytes}MB'")


def events(n: int) -> list[dict[str, object]]:
    """``n`` realistic events, as publishers send them."""
    return [canonical.to_builtins(e) for e in history(n, now=datetime.now(UTC))]


def encoded(batch: list[dict[str, object]]) -> list[bytes]:
    return [msgspec.json.encode(e) for e in batch]


def service_process(
    command: str, db_url: str, nats_url: str, namespace: str
) -> subprocess.Popen[bytes]:
    """``ledger ingest`` or ``ledger project`` as a process of its own."""
    return ledger_process(command, db_url, nats_url, namespace)


def ingest_process(db_url: str, nats_url: str, namespace: str) -> subprocess.Popen[bytes]:
    return service_process("ingest", db_url, nats_url, namespace)


async def recorded(conn: asyncpg.Connection) -> int:
    """How many events the ledger holds, read off the primary key's end (positions are
    gapless): polling with count(*) would scan the table and take CPU from what is measured."""
    return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))


def seconds(nominal: int) -> int:
    """A timed load's length: ``nominal`` seconds, times LEDGER_BENCH_TIME_SCALE (1; the
    smoke test of the benchmarks runs them at 0.1), at least 1."""
    return max(1, round(nominal * float(os.environ.get("LEDGER_BENCH_TIME_SCALE", "1"))))


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def ratio(part: float, whole: float) -> float | None:
    """``part / whole`` to three places; None when ``whole`` is 0 (a tiny run recorded in
    one batch, say: no time between its first record and its last, no rate)."""
    return round(part / whole, 3) if whole else None


async def prepared(server_url: str, nats_url: str, topology: Topology) -> str:
    """``topology``'s database (named as its namespace) and streams: the database's URL."""
    url = await db.ensure_database(server_url, topology.namespace)
    nc = await nats.connect(nats_url)
    await jetstream.ensure_topology(nc.jetstream(), topology)
    await nc.close()
    return url


async def settled(url: str) -> None:
    """``settle`` on the database at ``url``."""
    conn = await asyncpg.connect(url)
    try:
        await settle(conn)
    finally:
        await conn.close()


async def settle(conn: asyncpg.Connection) -> None:
    """Settled before measuring: no autovacuum of freshly loaded tables, no checkpoint of
    their WAL, in the middle of a measurement."""
    await conn.execute("VACUUM ANALYZE")
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):  # not a superuser
        await conn.execute("CHECKPOINT")
