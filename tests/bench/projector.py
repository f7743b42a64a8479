"""Projector benchmark (issue: projector). One run, one machine:

a rebuild of N recorded events (default 1,000,000; LEDGER_BENCH_REBUILD_EVENTS), and the
projection lag (commit → read model) with 1,000 events/s offered through the whole write
path, compared with the ingest rate measured in the same run. The last line printed is
one JSON object of figures.

The rebuild runs on two databases holding the same incidents: one with them all at one
organisation's site, one with them spread over 1,000 organisations of 10 sites each
(LEDGER_BENCH_ORGANISATIONS), every profile alike so that both fold the same obligations.
Each is rebuilt twice (one, many, many, one); ``rebuild_eps`` is the first's mean rate,
``with_profiles_ratio`` the second's over it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
import zlib
from datetime import UTC, datetime

import asyncpg
import msgspec
import nats
from nats.aio.msg import Msg

from contracts.envelope import Envelope
from contracts.events import IncidentReported
from contracts.topology import Topology
from incident_ledger.runtime import projector_config, rebuild_workers
from incident_ledger.simulation import history
from plumbing import db, jetstream
from plumbing.settings import load
from plumbing.tuning import tune_gc
from projector.follow import runner, tables
from tests import seeding
from tests.bench import stack
from tests.bench.ingest import ledger_rate

N = int(os.environ.get("LEDGER_BENCH_REBUILD_EVENTS", "1000000"))
ORGANISATIONS = int(os.environ.get("LEDGER_BENCH_ORGANISATIONS", "1000"))
SITES_PER_ORGANISATION = 10


def spread(envelopes: list[Envelope], organisations: int) -> list[Envelope]:
    """``organisations`` organisations' profile events (10 sites each, all under
    ``seeding.CATCH_ALL``), then ``envelopes`` with each incident reported at one of the
    sites, chosen by its id."""
    sites = [f"S{k:04d}-{j}" for k in range(organisations) for j in range(SITES_PER_ORGANISATION)]
    profiles = [
        event
        for k in range(organisations)
        for event in seeding.profile_events(
            f"org{k:04d}",
            sites=sites[k * SITES_PER_ORGANISATION : (k + 1) * SITES_PER_ORGANISATION],
            source="bench",
        )
    ]
    return profiles + [_placed(e, sites[zlib.crc32(e.incident_id.encode()) % len(sites)])
                       for e in envelopes]  # fmt: skip


def _placed(envelope: Envelope, site: str) -> Envelope:
    payload = envelope.payload
    if not isinstance(payload, IncidentReported):
        return envelope
    where = msgspec.structs.replace(payload.site, location_code=site)
    return msgspec.structs.replace(envelope, payload=msgspec.structs.replace(payload, site=where))


async def record(url: str, nats_url: str, envelopes: list[Envelope]) -> int:
    conn, nc = await asyncpg.connect(url), await nats.connect(nats_url)
    for start in range(0, len(envelopes), 5000):
        await seeding.append(conn, nc, envelopes[start : start + 5000], origin="bench")
    await nc.drain()
    await conn.close()
    return len(envelopes)


async def rebuild_rate(url: str) -> tuple[float, int]:
    conn = await asyncpg.connect(url)
    settings = load({})
    config, workers = projector_config(settings), rebuild_workers(settings, url)
    tune_gc()
    started = time.perf_counter()
    generation = await runner.rebuild(conn, config, workers=workers)
    elapsed = time.perf_counter() - started
    count = int(
        await conn.fetchval(
            "SELECT position FROM projection_checkpoints WHERE projection = $1",
            tables.checkpoint_name(generation),
        )
    )
    await conn.close()
    return stack.rate(count, elapsed), count


async def lag_at(url: str, nats_url: str, per_second: int, seconds: int) -> dict[str, float]:
    """Offer events through NATS; time each position from its commit confirmation to the
    projector's checkpoint passing it."""
    topology = Topology("lag")
    ingest = stack.ingest_process(url, nats_url, topology.namespace)
    projector = stack.service_process("project", url, nats_url, topology.namespace)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await jetstream.ensure_topology(js, topology)
    committed: dict[int, float] = {}

    async def on_recorded(msg: Msg) -> None:
        committed[msgspec.json.decode(msg.data)["position"]] = time.perf_counter()

    await nc.subscribe(topology.recorded_subject("*"), cb=on_recorded)
    conn = await asyncpg.connect(url)
    await _caught_up(conn)  # the projector's first build done, before any load is offered
    lags = await _offer_and_watch(js, topology, conn, committed, per_second, seconds)
    for proc in (ingest, projector):
        proc.terminate()
        proc.wait(30)
    await conn.close()
    await nc.close()
    ordered = sorted(lags)
    return {
        "offered": per_second,
        "measured": len(lags),
        "p50_ms": round(statistics.median(ordered), 2) if ordered else 0.0,
        "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2) if ordered else 0.0,
    }


async def _offer_and_watch(
    js: nats.js.JetStreamContext,
    topology: Topology,
    conn: asyncpg.Connection,
    committed: dict[int, float],
    per_second: int,
    seconds: int,
) -> list[float]:
    events = stack.encoded(stack.events(per_second * seconds))
    name, lags, seen = None, [], 0
    started = time.perf_counter()
    sent = 0
    while sent < len(events) or (committed and max(committed) > seen):
        while sent < len(events) and started + sent / per_second <= time.perf_counter():
            event = msgspec.json.decode(events[sent])
            await js.publish_async(
                topology.event_subject(event["source"], event["incident_id"]),
                events[sent],
                headers={"Nats-Msg-Id": event["event_id"]},
            )
            sent += 1
        name = name or await _checkpoint_name(conn)
        now_seen = (
            int(
                await conn.fetchval(
                    "SELECT coalesce(max(position), 0) FROM projection_checkpoints"
                    " WHERE projection = $1",
                    name,
                )
                or 0
            )
            if name
            else 0
        )
        moment = time.perf_counter()
        lags += [
            (moment - committed[p]) * 1000 for p in range(seen + 1, now_seen + 1) if p in committed
        ]
        seen = max(seen, now_seen)
        if time.perf_counter() - started > seconds + 30:
            break
        await asyncio.sleep(0.002)
    return lags


async def _caught_up(conn: asyncpg.Connection, within: float = 300.0) -> None:
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        name = await _checkpoint_name(conn)
        head = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
        done = name and await conn.fetchval(
            "SELECT position FROM projection_checkpoints WHERE projection = $1", name
        )
        if done is not None and done is not False and done >= head:
            await asyncio.sleep(2)  # and the ingest leading
            return
        await asyncio.sleep(0.2)


async def _checkpoint_name(conn: asyncpg.Connection) -> str | None:
    state = await tables.active(conn)
    return None if state is None else tables.checkpoint_name(state[0])


async def _fresh(server_url: str) -> str:
    url = await db.ensure_database(server_url, f"bench_{uuid.uuid4().hex[:8]}")
    await db.migrate(url)
    return url


async def _alternated(one: str, many: str) -> tuple[tuple[float, int], tuple[float, int]]:
    """Each database rebuilt twice, in the order one, many, many, one, so that a machine
    busier in one half of the run weighs on both alike; the mean rate of each."""
    rates: dict[str, list[tuple[float, int]]] = {one: [], many: []}
    for url in (one, many, many, one):
        rates[url].append(await rebuild_rate(url))
    return _mean(rates[one]), _mean(rates[many])


def _mean(runs: list[tuple[float, int]]) -> tuple[float, int]:
    return round(statistics.mean(r for r, _ in runs), 1), runs[-1][1]


async def main() -> dict[str, object]:
    with stack.servers() as (server_url, nats_url):
        url = await db.ensure_database(server_url, f"bench_{uuid.uuid4().hex[:8]}")
        await db.migrate(url)
        ingest_eps, _ = await ledger_rate(url, nats_url, stack.encoded(stack.events(50_000)))
        ledger_rate.proc.terminate()  # type: ignore[attr-defined]
        lag = await lag_at(url, nats_url, 1000, stack.seconds(10))
        incidents = history(N, now=datetime.now(UTC))
        one = await _fresh(server_url)
        recorded = await record(one, nats_url, seeding.catch_all("bench") + incidents)
        many = await _fresh(server_url)
        await record(many, nats_url, spread(incidents, ORGANISATIONS))
        (rebuild_eps, rebuilt), (profiled_eps, profiled) = await _alternated(one, many)
    return {
        "rebuild_events": rebuilt,
        "recorded_for_rebuild": recorded,
        "rebuild_eps": rebuild_eps,
        "ingest_eps": ingest_eps,
        "rebuild_over_ingest": stack.ratio(rebuild_eps, ingest_eps),
        "with_profiles": {
            "organisations": ORGANISATIONS,
            "sites": ORGANISATIONS * SITES_PER_ORGANISATION,
            "rebuild_events": profiled,
            "rebuild_eps": profiled_eps,
        },
        "with_profiles_ratio": stack.ratio(profiled_eps, rebuild_eps),
        "lag_1000_per_s": lag,
        "targets": {"rebuild_eps": 30000, "lag_p99_ms_at_1000": 50, "with_profiles_ratio": 0.9},
    }


if __name__ == "__main__":
    print(msgspec.json.encode(asyncio.run(main())).decode())
