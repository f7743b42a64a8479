"""Erasure of one subject in a big ledger (issue: personal data, its benchmark): a ledger of
``LEDGER_BENCH_ERASURE_EVENTS`` events (default 1,000,000) with personal values in every
second event (``tests.bench.sealing.with_personal``), across many incidents and subjects,
recorded by ``ledger ingest`` draining them from NATS, the events stream still holding
every message published. Then, with the ingest still leading (it records the erasure),
``ledger_api.erasures.erase`` (``POST /v1/subjects/{id}/erasure`` and ``ledger erase``)
on one claimant (values in one incident), then on the actor with the most values (their
name in events across many incidents). Each erasure's seconds: in all, recording it in the
ledger, what is held read first, the key and ciphertexts dropped in PostgreSQL, and its
messages deleted from NATS. Afterwards, ``EXPLAIN ANALYZE`` of the statements that
depend on a subject's size goes to standard error. The last line printed is one JSON
object."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import nats
import psutil
from nats.aio.client import Client

from contracts.topology import Topology
from ledger.store import erased_messages, subject_keys
from ledger_api import erasures
from plumbing import db
from tests.bench import stack
from tests.bench.ingest import prefill
from tests.bench.sealing import with_personal, without_personal
from tests.support import ledger_process

N = int(os.environ.get("LEDGER_BENCH_ERASURE_EVENTS", "1000000"))
STEPS = {  # step → (module, function) that ``erasures.erase`` calls for it
    "held_read_s": (subject_keys, "erasure_of"),
    "recorded_s": (erasures, "_record"),
    "key_and_ciphertexts_s": (subject_keys, "erase"),
    "nats_s": (erasures, "clear_streams"),
}


def _events(n: int) -> list[bytes]:
    base = stack.events(n)
    return stack.encoded(
        [with_personal(e) if i % 2 else without_personal(e) for i, e in enumerate(base)]
    )


async def _ledger(server_url: str, nats_url: str, data: list[bytes]) -> tuple[str, Topology]:
    """A fresh ledger of ``data`` recorded by the ingest, left running; its database URL."""
    name = f"erase_{uuid.uuid4().hex[:8]}"
    url = await db.ensure_database(server_url, name)
    await db.migrate(url)
    topology = Topology(name)
    started = time.perf_counter()
    await prefill(nats_url, topology, data)
    _log(f"published {len(data)} in {time.perf_counter() - started:.0f} s")
    return url, topology


async def _drained(conn: asyncpg.Connection, n: int) -> float:
    started = time.perf_counter()
    while await stack.recorded(conn) < n:
        await asyncio.sleep(1)
    return time.perf_counter() - started


@contextmanager
def _stopwatch() -> Iterator[dict[str, float]]:
    """Each step of an erasure timed where ``erasures.erase`` calls it."""
    spent: dict[str, float] = {}
    originals = {step: getattr(module, name) for step, (module, name) in STEPS.items()}

    def timed(step: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                spent[step] = round(spent.get(step, 0) + time.perf_counter() - started, 4)

        return run

    for step, (module, name) in STEPS.items():
        setattr(module, name, timed(step, originals[step]))
    try:
        yield spent
    finally:
        for step, (module, name) in STEPS.items():
            setattr(module, name, originals[step])


async def _erase(url: str, nats_url: str, topology: Topology, subject: str) -> dict[str, Any]:
    conn, nc = await asyncpg.connect(url), await nats.connect(nats_url)
    size, before = await _size(conn, subject), await _deleted(nc, topology)
    with _stopwatch() as spent:
        started = time.perf_counter()
        await erasures.erase(conn, nc, topology, subject, "bench", "bench")
        total = round(time.perf_counter() - started, 4)
    deleted = await _deleted(nc, topology) - before
    await nc.close()
    await conn.close()
    postgres = round(total - spent["nats_s"] - spent["recorded_s"], 4)
    return {"subject": subject.split(":")[-1], **size, "total_s": total,
            "postgresql_s": postgres, **spent, "nats_messages_deleted": deleted}  # fmt: skip


async def _size(conn: asyncpg.Connection, subject: str) -> dict[str, int]:
    row = await conn.fetchrow(
        "SELECT count(*) AS values, count(DISTINCT incident_id) AS incidents"
        " FROM sealed_values WHERE subject = $1",
        subject,
    )
    return {"values": row["values"], "incidents": row["incidents"]}


async def _deleted(nc: Client, topology: Topology) -> int:
    info = await nc.jetstream().stream_info(topology.events_stream)
    return int(info.state.num_deleted or 0)


EXPLAINED = (
    "SELECT incident_id, event_id, path, commitment FROM sealed_values"
    " WHERE subject = $1 ORDER BY incident_id, event_id, path",
    "UPDATE sealed_values SET ciphertext = NULL WHERE subject = $1",
    "SELECT DISTINCT incident_id FROM sealed_values WHERE subject = $1",
)


async def _explain(url: str, subject: str) -> None:
    """The plans and timings of the statements whose cost grows with the subject (the
    update rolled back), to standard error."""
    conn = await asyncpg.connect(url)
    asked = [(statement, subject) for statement in EXPLAINED]
    for statement, argument in [*asked, (erased_messages._PENDING, [subject])]:
        tx = conn.transaction()
        await tx.start()
        args = (argument,) if "$1" in statement else ()
        plan = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *args)
        await tx.rollback()
        _log("\n".join(r[0] for r in plan))
    await conn.close()


async def _subjects(conn: asyncpg.Connection) -> tuple[str, str]:
    claimant = await conn.fetchval(
        "SELECT subject FROM subject_keys WHERE subject LIKE '%:claimant' ORDER BY subject LIMIT 1"
    )
    actor = await conn.fetchval(
        "SELECT subject FROM sealed_values WHERE subject LIKE 'actor:%'"
        " GROUP BY subject ORDER BY count(*) DESC LIMIT 1"
    )
    return claimant, actor


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def main() -> dict[str, object]:
    started = time.perf_counter()
    data = _events(N)
    _log(f"{N} events made in {time.perf_counter() - started:.0f} s")
    with stack.servers() as (server_url, nats_url):
        url, topology = await _ledger(server_url, nats_url, data)
        del data
        ingest = ledger_process("ingest", url, nats_url, topology.namespace)
        try:
            return await _measured(url, nats_url, topology)
        finally:
            ingest.terminate()
            ingest.wait(30)


async def _measured(url: str, nats_url: str, topology: Topology) -> dict[str, object]:
    conn = await asyncpg.connect(url)
    drained = await _drained(conn, N)
    await stack.settle(conn)
    claimant, actor = await _subjects(conn)
    await conn.close()
    _log(f"recorded in {drained:.0f} s; erasing {claimant}, then {actor}")
    figures: dict[str, object] = {"events": N, "ingest_s": round(drained, 1)}
    for role, subject in (("claimant", claimant), ("actor", actor)):
        figures[role] = await _erase(url, nats_url, topology, subject)
        _log(json.dumps(figures[role]))
        await _explain(url, subject)
    figures["load_average"] = [round(x, 2) for x in psutil.getloadavg()]
    claimant_s = figures["claimant"]["total_s"]  # type: ignore[index]
    return figures | {"erasure_of_one_subject_s": claimant_s,
                      "target": {"erasure_of_one_subject_s": 1.0}}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
