"""Console benchmark (issue: the console). One run, one machine, the API as its own
process (``ledger api``) and the load generator as another: a 1,000-event incident's
console page (``/console/incidents/LARGE-1``, an auditor's, timeline included) against
its JSON timeline (``/v1/incidents/LARGE-1/timeline``) in alternating rounds (req/s,
ratio of the medians), then the page's p99 one request at a time.

The last line printed is one JSON object of figures.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import tempfile
import uuid

import asyncpg
import msgspec
import nats

from incident_ledger.runtime import projector_config
from incident_ledger.stack.process import free_port
from ledger_api import token_store as tokens
from plumbing import db
from plumbing.settings import load
from projector.follow import runner
from tests import seeding
from tests.bench import stack
from tests.bench.api import LEDGER, _api_env, _incident, _load, _wait

ROUNDS = 3
PAGE = "/console/incidents/LARGE-1"
JSON = "/v1/incidents/LARGE-1/timeline"


async def prepare(url: str, nats_url: str) -> str:
    conn, nc = await asyncpg.connect(url), await nats.connect(nats_url)
    await seeding.append(conn, nc, _incident("LARGE-1", 1000), origin="bench")  # type: ignore[arg-type]
    await nc.drain()
    config = projector_config(load({}))
    generation = await runner.prepare(conn, config)
    await runner.catch_up(conn, generation, config)
    _, secret = await tokens.create(conn, role="auditor", name="bench")
    await stack.settle(conn)
    await conn.close()
    return secret


def _measure(base: str, token: str) -> dict[str, object]:
    rounds = [
        (
            _load(f"{base}{JSON}", stack.seconds(3), 8, token),
            _load(f"{base}{PAGE}", stack.seconds(3), 8, token),
        )
        for _ in range(ROUNDS)
    ]
    one = _load(f"{base}{PAGE}", stack.seconds(5), 1, token)
    ratios = [page["rps"] / json["rps"] for json, page in rounds]
    return {
        "json_timeline_rps": statistics.median(j["rps"] for j, _ in rounds),
        "page_rps": statistics.median(p["rps"] for _, p in rounds),
        "page_over_json": round(statistics.median(ratios), 3),
        "page_over_json_by_round": [round(r, 3) for r in ratios],
        "page_p50_ms": one["p50_ms"],
        "page_p99_ms": one["p99_ms"],
        "errors": sum(j["errors"] + p["errors"] for j, p in rounds) + one["errors"],
        "targets": {"page_over_json": 0.5, "page_p99_ms": 50},
    }


def main() -> dict[str, object]:
    with stack.servers() as (server_url, nats_url):
        url = asyncio.run(db.ensure_database(server_url, f"bench_{uuid.uuid4().hex[:8]}"))
        asyncio.run(db.migrate(url))
        token = asyncio.run(prepare(url, nats_url))
        port, keys = free_port(), tempfile.TemporaryDirectory()
        proc = subprocess.Popen([LEDGER, "api"], env=_api_env(url, nats_url, port, keys.name))
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base)
            return _measure(base, token)
        finally:
            proc.terminate()
            proc.wait(30)
            keys.cleanup()


if __name__ == "__main__":
    print(msgspec.json.encode(main()).decode())
