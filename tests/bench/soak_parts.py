"""The soak's moving parts: the services as processes (which one leads, what it weighs),
the paced publisher, and the faults it injects in turn."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import asyncpg
import msgspec
import psutil
from nats.aio.client import Client
from nats.aio.msg import Msg

from contracts.topology import Topology
from incident_ledger.stack.nats_cluster import NatsCluster
from incident_ledger.stack.postgres import EmbeddedPostgres
from plumbing import jetstream
from tests.support import ledger_process, note

# role → (command, NATS user, how its log says it leads, instances)
ROLES = {
    "ingest": ("ingest", "ingest", "leading the sequencer", 2),
    "projector": ("project", "projector", "leading the projector", 2),
    "signer": ("sign", "signer", "leading the checkpoint signer", 1),
}
FAULTS = ("nats", "ingest", "projector", "postgres")
_LAG = """SELECT coalesce(extract(epoch FROM now() - (SELECT recorded_at FROM events
  WHERE position > coalesce((SELECT cp.position FROM projection_state s
    JOIN projection_checkpoints cp ON cp.projection = 'read_models_g' || s.active), 0)
  ORDER BY position LIMIT 1)), 0)"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values) or [0.0]
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def projection_lag(url: str) -> float:
    """Seconds since the oldest event the read models have not folded was recorded."""
    try:
        conn = await asyncpg.connect(url, timeout=2)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return 0.0
    try:
        return float(await conn.fetchval(_LAG))
    finally:
        await conn.close()


class Services:
    def __init__(self, directory: Path, url: str, cluster: NatsCluster) -> None:
        self.directory, self.url, self.cluster = directory, url, cluster
        self.procs: dict[str, list[tuple[subprocess.Popen[bytes], Path]]] = {r: [] for r in ROLES}
        self.spawned = 0

    def spawn(self, role: str) -> None:
        command, user, _, _ = ROLES[role]
        self.spawned += 1
        log = self.directory / "logs" / f"{role}-{self.spawned}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        extra = {"LEDGER_NATS_REPLICAS": "3", "LEDGER_LOG_LEVEL": "info",
                 "LEDGER_LOG_FORMAT": "json", "LEDGER_DATA_DIR": str(self.directory / role),
                 "LEDGER_AUDIT_KEY_FILE": str(self.directory / "signer.key")}  # fmt: skip
        proc = ledger_process(command, self.url, self.cluster.url(user), "", str(log), extra)
        self.procs[role].append((proc, log))

    def start(self) -> None:
        for role, (*_, instances) in ROLES.items():
            for _ in range(instances):
                self.spawn(role)

    def kill_leader(self, role: str) -> bool:
        for proc, log in self.procs[role]:
            if proc.poll() is None and ROLES[role][2] in log.read_text():
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                self.procs[role].remove((proc, log))
                return True
        return False

    def rss(self) -> dict[str, list[float]]:
        """Megabytes each of a role's live processes holds, largest (the leader's) first."""
        return {
            role: sorted((round(psutil.Process(p.pid).memory_info().rss / 2**20, 1)
                          for p, _ in procs if p.poll() is None), reverse=True)
            for role, procs in self.procs.items()
        }  # fmt: skip

    def stop(self) -> None:
        for procs in self.procs.values():
            for proc, _ in procs:
                proc.terminate()
        for procs in self.procs.values():
            for proc, _ in procs:
                proc.wait(30)


class Load:
    """Notes offered at a steady rate; each is retried (same Msg-Id) until acknowledged."""

    def __init__(self, cluster: NatsCluster, rate: int) -> None:
        self.cluster, self.rate = cluster, rate
        self.acked: set[str] = set()
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []
        self.worst: dict[int, float] = {}  # second sent (perf_counter) → slowest, ms
        self.observer: Client | None = None

    async def _recorded(self, msg: Msg) -> None:
        sent = self.sent.pop(msgspec.json.decode(msg.data)["event_id"], None)
        if sent is not None:
            self.latencies.append(took := (time.perf_counter() - sent) * 1000)
            self.worst[int(sent)] = max(self.worst.get(int(sent), 0.0), took)

    def stall(self, at: float, within: float = 45.0) -> float:
        """Seconds the slowest event published around ``at`` (perf_counter) took."""
        worst = (self.worst.get(s, 0.0) for s in range(int(at) - 1, int(at + within)))
        return round(max(worst, default=0.0) / 1000, 2)

    async def _publish(self, nc: Client, event: dict[str, object]) -> None:
        js, event_id = nc.jetstream(timeout=5), str(event["event_id"])
        subject = Topology().event_subject("simulator", str(event["incident_id"]))
        while True:
            try:
                await js.publish(subject, msgspec.json.encode(event),
                                 headers={"Nats-Msg-Id": event_id})  # fmt: skip
                self.acked.add(event_id)
                return
            except Exception:
                await asyncio.sleep(0.5)

    async def run(self, seconds: int) -> None:
        self.observer = await jetstream.connect(self.cluster.url("api"), "soak-observer")
        await self.observer.subscribe(Topology().recorded_subject("*"), cb=self._recorded)
        nc = await jetstream.connect(self.cluster.url("simulator"), "soak")
        tasks: set[asyncio.Task[None]] = set()
        started = time.perf_counter()
        for i in range(self.rate * seconds):
            if (due := started + i / self.rate) > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            # Incidents of 25 events, 5 open at a time: the size real ones have.
            event = note(f"SOAK-{i // 125}-{i % 5}", f"soak {i}", source="simulator")
            self.sent[str(event["event_id"])] = time.perf_counter()
            task = asyncio.create_task(self._publish(nc, event))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        await nc.close()

    async def settle(self, url: str, within: float) -> None:
        """Until every acknowledged event is recorded (or ``within`` seconds)."""
        deadline = time.monotonic() + within
        conn = await asyncpg.connect(url)
        try:
            while time.monotonic() < deadline:
                if await conn.fetchval("SELECT count(*) FROM events") >= len(self.acked):
                    break
                await asyncio.sleep(0.5)
        finally:
            await conn.close()
            if self.observer is not None:
                await self.observer.close()


class Faults:
    """Once a minute, the next fault of ``FAULTS``; what was killed returns 15 s later."""

    def __init__(self, cluster: NatsCluster, pg: EmbeddedPostgres, services: Services) -> None:
        self.cluster, self.pg, self.services = cluster, pg, services
        self.injected: list[tuple[str, float]] = []  # kind, when (perf_counter)
        self.returns: list[tuple[float, str]] = []

    @property
    def done(self) -> list[str]:
        return [kind for kind, _ in self.injected]

    async def tick(self, elapsed: float) -> None:
        for due, what in [r for r in self.returns if r[0] <= elapsed]:
            self.returns.remove((due, what))
            self._bring_back(what)
        if elapsed >= 60 * (len(self.injected) + 1):
            kind = FAULTS[len(self.injected) % len(FAULTS)]
            self.injected.append((kind, time.perf_counter()))
            print(f"{elapsed:6.0f} s  fault: {kind}", flush=True)
            await self._inject(kind, elapsed)

    async def _inject(self, kind: str, elapsed: float) -> None:
        if kind == "nats":
            node = await self._stream_leader()
            self.cluster.kill(node)
            self.returns.append((elapsed + 15, f"nats:{node}"))
        elif kind == "postgres":
            port = self.pg.port
            self.pg.stop()
            await asyncio.sleep(3)
            self.pg.start(port=port)
        elif self.services.kill_leader(kind):
            self.returns.append((elapsed + 15, kind))

    def _bring_back(self, what: str) -> None:
        if what.startswith("nats:"):
            self.cluster.start_node(int(what.split(":")[1]))
        else:
            self.services.spawn(what)

    async def _stream_leader(self) -> int:
        nc = await jetstream.connect(self.cluster.url("api"), "soak-faults")
        try:
            info = await nc.jetstream(timeout=10).stream_info(Topology().events_stream)
        finally:
            await nc.close()
        leader = info.cluster.leader if info.cluster else None
        return int(leader.rsplit("-", 1)[1]) - 1 if leader else 0
