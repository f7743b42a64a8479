"""Console benchmark (issue: the console). One run, one machine, the API and the projector
as processes of their own (``ledger api``, ``ledger project``), the load generator as
another:

- board: the deadline board's first page (``/console/deadlines``) with N open
  obligations (default 10,000; LEDGER_BENCH_OBLIGATIONS), p99, one request at a time;
- live board: an event committed (a note on one of the board's incidents), until the
  board's server-sent events say the read models moved, read by a real SSE client
  (``httpx`` streaming the event stream), and until the board's rows are read again, as
  the page does; p50/p99 over SAMPLES events.

The last line printed is one JSON object of figures.
"""

from __future__ import annotations

import asyncio
import os
import queue
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import msgspec
import nats

from contracts import builders
from contracts.enums import IncidentKind, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from ledger_api import token_store as tokens
from tests import seeding
from tests.bench import api_server, stack
from tests.bench.api_server import load
from tests.support import ledger_process

OBLIGATIONS = int(os.environ.get("LEDGER_BENCH_OBLIGATIONS", "10000"))
PER_OUTAGE = 4  # the call centre's outage ladder: 5, 5, 10 and 60 minutes
SAMPLES = 30
HALL = "BENCH-HALL"
ACTOR = Actor(id="agent-1", name="坐席", role="agent")
SOURCE = "bench"


def _outage(i: int, at: datetime) -> Envelope:
    return builders.report_incident(
        kind=IncidentKind.SYSTEM_OUTAGE, title=f"排队系统宕机 {i}",
        channel=ReportChannel.MONITORING,
        site=Site(name="营业厅", location_code=HALL), incident_id=f"B{i:06d}",
        occurred_at=at, source=SOURCE, actor=ACTOR,
    )  # fmt: skip


async def prepare(url: str, nats_url: str) -> str:
    """The hall under the call centre's plan, outages there a minute ago (every deadline
    still open: the projector folds them once it runs); an auditor's token."""
    conn, nc = await asyncpg.connect(url), await nats.connect(nats_url)
    hall = seeding.profile_events("bench-org", sites=[HALL], country="CN",
                                  timezone="Asia/Shanghai", subject_to=(),
                                  plans=("call_centre",))  # fmt: skip
    await seeding.append(conn, nc, hall)
    at = datetime.now(UTC) - timedelta(minutes=1)
    outages = [_outage(i, at) for i in range(OBLIGATIONS // PER_OUTAGE)]
    for start in range(0, len(outages), 500):
        await seeding.append(conn, nc, outages[start : start + 500], origin="bench")
    await nc.drain()
    _, secret = await tokens.create(conn, role="auditor", name="bench")
    await conn.close()
    return secret


async def projected(url: str, within: float = 600.0) -> None:
    """Until the projector (its own process) has folded every event, then settled."""
    conn = await asyncpg.connect(url)
    deadline = time.monotonic() + within
    while (await conn.fetchval(_BEHIND)) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    await stack.settle(conn)
    await conn.close()


_BEHIND = """
SELECT (SELECT coalesce(max(position), 0) FROM events) > coalesce((
  SELECT cp.position FROM projection_state s JOIN projection_checkpoints cp
  ON cp.projection = 'read_models_g' || s.active WHERE s.name = 'read_models'), -1)
"""


def _listen(base: str, token: str, heard: queue.Queue[float], stop: threading.Event) -> None:
    """A real SSE client: each ``moved`` event's arrival time, on ``heard``."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    url = f"{base}/console/deadlines/stream"
    try:
        with httpx.stream("GET", url, headers=headers, timeout=None) as events:
            for line in events.iter_lines():
                if line == "event: moved":
                    heard.put(time.perf_counter())
                elif line == "event: ready":
                    heard.put(0.0)
                if stop.is_set():
                    return
    except httpx.HTTPError:
        if not stop.is_set():
            raise


async def _commit(url: str, nats_url: str, i: int) -> float:
    """A note on one of the board's incidents, committed; when the commit returned."""
    conn, nc = await asyncpg.connect(url), await nats.connect(nats_url)
    note = builders.add_note(text=f"bench {i}", incident_id="B000000", source=SOURCE, actor=ACTOR)
    await seeding.append(conn, nc, [note], origin="bench")
    committed = time.perf_counter()
    await nc.drain()
    await conn.close()
    return committed


def _live(base: str, token: str, url: str, nats_url: str) -> dict[str, float]:
    heard: queue.Queue[float] = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_listen, args=(base, token, heard, stop), daemon=True).start()
    assert heard.get(timeout=30) == 0.0  # ready
    rows = f"{base}/console/deadlines/rows"
    events, refreshed = [], []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}) as client:
        for i in range(SAMPLES):
            committed = asyncio.run(_commit(url, nats_url, i))
            arrived = heard.get(timeout=30)
            assert client.get(rows).status_code == 200
            events.append(arrived - committed)
            refreshed.append(time.perf_counter() - committed)
            time.sleep(0.3)
    stop.set()
    return {"event_p50_ms": _ms(statistics.median(events)), "event_p99_ms": _ms(_p99(events)),
            "rows_p50_ms": _ms(statistics.median(refreshed)),
            "rows_p99_ms": _ms(_p99(refreshed))}  # fmt: skip


def _p99(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.99) - 1)]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> dict[str, object]:
    with stack.servers() as (server_url, nats_url):
        url = api_server.fresh_database(server_url)
        token = asyncio.run(prepare(url, nats_url))
        projector = ledger_process(
            "project", url, nats_url, "bench", log=os.environ.get("LEDGER_BENCH_LOG")
        )
        try:
            with api_server.running(url, nats_url) as (base, _):
                asyncio.run(projected(url))
                board = load(f"{base}/console/deadlines", 5, 1, token)
                live = _live(base, token, url, nats_url)
        finally:
            projector.terminate()
            projector.wait(30)
    return {
        "open_obligations": OBLIGATIONS // PER_OUTAGE * PER_OUTAGE,
        "board_first_page_p50_ms": board["p50_ms"],
        "board_first_page_p99_ms": board["p99_ms"],
        "board_errors": board["errors"],
        "sse": live,
        "targets": {"board_first_page_p99_ms": 100, "sse_event_p99_ms": 1000},
    }


if __name__ == "__main__":
    print(msgspec.json.encode(main()).decode())
