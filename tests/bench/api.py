"""API benchmark (issue: API). One run, one machine, the API as its own process
(``ledger api``) and the load generator as another:

- typical timeline: a 20-event incident's timeline req/s against a bare endpoint's
  (``/health``) on the same server, in alternating rounds;
- large timeline: a 1,000-event incident's timeline p99, one request at a time;
- loss run: a CSV of N claims (default 1,000,000; LEDGER_BENCH_LOSS_ROWS) streamed, rows/s
  and the server's peak RSS while it streams.

The last line printed is one JSON object of figures.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import msgspec
import nats
import psutil

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor
from contracts.events import Site
from incident_ledger.runtime import projector_config
from ledger_api import token_store as tokens
from plumbing import settings
from projector.domain import losses
from projector.follow import runner, tables
from tests import seeding
from tests.bench import api_server, stack
from tests.bench.api_server import load

# Bare and typical alternate, 3 s each, so that both meet the same moments of a shared
# machine; the ratio reported is the median round's.
ROUNDS = 5
ROWS = int(os.environ.get("LEDGER_BENCH_LOSS_ROWS", "1000000"))
ACTOR = Actor(id="agent-1", name="坐席", role="agent")


def _incident(incident: str, events: int) -> list[object]:
    at = datetime.now(UTC) - timedelta(hours=2)
    first = builders.report_incident(
        kind=IncidentKind.FIRE, title="配电房冒烟 smoke in the switch room",
        site=Site(name="澎湖湾", location_code="PHB"), channel=ReportChannel.PHONE,
        occurred_at=at, incident_id=incident, source="bench", actor=ACTOR,
    )  # fmt: skip
    notes = [
        builders.add_note(
            text=f"巡查记录 patrol note {i}",
            occurred_at=at + timedelta(seconds=i),
            incident_id=incident,
            source="bench",
            actor=ACTOR,
        )
        for i in range(1, events)
    ]
    return [first, *notes]


def _book(i: int) -> losses.LossBook:
    claim = losses.Claim(
        claim_number=f"CLM-{i:07d}", insurer="平安财险 Ping An", policy_number="POL-9",
        status="open", currency="CNY", paid_minor=1000 + i % 977, reserve_minor=50_000,
        recovered_minor=0, incurred_minor=51_000 + i % 977, net_minor=51_000 + i % 977,
        reported_at=datetime(2026, 11, 1, tzinfo=UTC), updated_at=datetime(2026, 11, 2, tzinfo=UTC),
        last_position=i, claimant="张三 Zhang San",
    )  # fmt: skip
    book = losses.LossBook(
        incident_id=f"L{i:08d}",
        loss_date=datetime(2026, 10, 30, tzinfo=UTC),
        kind="robbery",
        location_code="SH-01",
        claims={claim.claim_number: claim},
    )
    return book


def _claim_record(row: losses.LossRunRow) -> tuple[object, ...]:
    values = msgspec.structs.astuple(row)
    days = [v.date() if isinstance(v, datetime) else v for v in values]
    return (*days, None, None)  # organisation and site: the bench's incidents are unplaced


async def prepare(url: str, nats_url: str) -> str:
    conn, nc = await asyncpg.connect(url), await nats.connect(nats_url)
    for incident, n in (("TYPICAL-1", 20), ("LARGE-1", 1000)):
        await seeding.append(conn, nc, _incident(incident, n), origin="bench")  # type: ignore[arg-type]
    await nc.drain()
    config = projector_config(settings.load({}))
    generation = await runner.prepare(conn, config)
    await runner.catch_up(conn, generation, config)
    for start in range(0, ROWS, 50_000):
        books = [_book(i) for i in range(start, min(start + 50_000, ROWS))]
        docs = [(b.incident_id, msgspec.json.encode(b).decode()) for b in books]
        await conn.copy_records_to_table(f"rm_losses_g{generation}", records=docs)
        claims = [_claim_record(row) for b in books for row in losses.loss_run_rows(b)]
        await conn.copy_records_to_table(f"rm_claims_g{generation}", records=claims)
    _, secret = await tokens.create(conn, role="auditor", name="bench")
    await stack.settle(conn)
    await conn.close()
    assert tables  # the read models live in generation tables behind views
    return secret


def _loss_run(base: str, token: str, server: psutil.Process) -> dict[str, float]:
    peak, done = [server.memory_info().rss], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.append(server.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines, started = 0, time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", f"{base}/v1/losses?format=csv", headers=headers, timeout=600) as r:
        for chunk in r.iter_bytes():
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    # the title block (6 lines), column names, a blank line, a total and one by carrier
    rows = lines - 10
    return {"rows": rows, "seconds": round(elapsed, 2), "rows_per_s": round(rows / elapsed, 1),
            "server_peak_rss_mb": round(max(peak) / 2**20, 1)}  # fmt: skip


def main() -> dict[str, object]:
    with stack.servers() as (server_url, nats_url):
        url = api_server.fresh_database(server_url)
        token = asyncio.run(prepare(url, nats_url))
        with api_server.running(url, nats_url) as (base, proc):
            rounds = [
                (
                    load(f"{base}/health", 3, 16),
                    load(f"{base}/v1/incidents/TYPICAL-1/timeline", 3, 16, token),
                )
                for _ in range(ROUNDS)
            ]
            large = load(f"{base}/v1/incidents/LARGE-1/timeline", 5, 1, token)
            run = _loss_run(base, token, psutil.Process(proc.pid))
    ratios = [typical["rps"] / bare["rps"] for bare, typical in rounds]
    return {
        "bare_rps": statistics.median(bare["rps"] for bare, _ in rounds),
        "typical_timeline_rps": statistics.median(typical["rps"] for _, typical in rounds),
        "typical_over_bare": round(statistics.median(ratios), 3),
        "typical_over_bare_by_round": [round(r, 3) for r in ratios],
        "large_timeline_p50_ms": large["p50_ms"],
        "large_timeline_p99_ms": large["p99_ms"],
        "loss_run": run,
        "errors": sum(b["errors"] + t["errors"] for b, t in rounds) + large["errors"],
        "targets": {
            "typical_over_bare": 0.5,
            "large_timeline_p99_ms": 30,
            "loss_run_rows_per_s": 100000,
            "server_peak_rss_mb": 200,
        },
    }


if __name__ == "__main__":
    print(msgspec.json.encode(main()).decode())
