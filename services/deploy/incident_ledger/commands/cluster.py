"""``ledger up --cluster``: the production topology on one machine, for failover drills.

Three NATS JetStream nodes (``infra/nats/cluster``, streams at three replicas), a
PostgreSQL primary with a streaming replica (pgserver's binaries), and every service as
processes of its own: two ingests, two projectors and two signers (a leader and a
standby each, by advisory lock), and two APIs, the second reading from the replica.
Kill any of them (``kill -9``) and watch the others carry on.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
import msgspec

from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger import demo
from incident_ledger import signer_wiring as signing
from incident_ledger.commands.up import _dev_secrets, _register
from incident_ledger.stack import process
from incident_ledger.stack.embedded_replica import EmbeddedReplica
from incident_ledger.stack.nats import PUBLISHERS
from incident_ledger.stack.nats_cluster import NatsCluster
from incident_ledger.stack.postgres import EmbeddedPostgres
from plumbing import db, jetstream
from plumbing.datadir import DataDirLock
from plumbing.paths import open_private, private_dir, write_private
from plumbing.settings import Settings

# (name, command, NATS user, extra settings): the processes, in start order.
SERVICES = [
    ("ingest-1", "ingest", "ingest", {}), ("ingest-2", "ingest", "ingest", {}),
    ("projector-1", "project", "projector", {}), ("projector-2", "project", "projector", {}),
    ("signer-1", "sign", "signer", {}), ("signer-2", "sign", "signer", {}),
    ("api-1", "api", "api", {}), ("api-2", "api", "api", {"replica": "yes"}),
]  # fmt: skip


class Topography(msgspec.Struct):
    """Where everything listens, written to ``<data dir>/cluster/cluster.json``."""

    database_url: str
    replica_url: str
    nats: dict[str, str]  # user → URL listing every node
    apis: list[str]
    pids: dict[str, int]


def _passwords(directory: Path) -> dict[str, str] | None:
    path = directory / "nats-passwords.json"
    return msgspec.json.decode(path.read_bytes(), type=dict[str, str]) if path.exists() else None


def _env(
    settings: Settings, directory: Path, name: str, urls: tuple[str, str, str]
) -> dict[str, str]:
    database, replica, nats = urls
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    return base | {
        "LEDGER_DATABASE_URL": database, "LEDGER_NATS_URL": nats, "LEDGER_NATS_REPLICAS": "3",
        "LEDGER_DATA_DIR": str(directory / name),
        "LEDGER_AUDIT_KEY_FILE": str(signing.dev_key(directory, settings.ingest.origin)),
        "LEDGER_AUDIT_CHECKPOINT_DIR": str(directory / "checkpoints" / name),
        "LEDGER_LOG_FORMAT": "json", "LEDGER_DATABASE_READ_URL": replica,
    }  # fmt: skip


def _start(
    settings: Settings, directory: Path, urls: tuple[str, str, dict[str, str]], nats: NatsCluster
) -> tuple[Topography, list[subprocess.Popen[bytes]]]:
    """``urls``: the primary's and the replica's (the owner's), and the services' roles'
    passwords; each service connects to both as its own role."""
    ledger, port = str(Path(sys.executable).parent / "ledger"), settings.http.port
    publishers = {user: nats.url(user) for user in PUBLISHERS}
    found, procs = Topography(urls[0], urls[1], publishers, [], {}), []
    primary, replica = (db.service_urls(url, urls[2]) for url in urls[:2])
    for name, command, user, extra in SERVICES:
        own = (primary[user], replica[user] if extra else "", nats.url(user))
        env = _env(settings, directory, name, own)
        if command == "api":  # the first on LEDGER_HTTP_PORT, the next beside it if free
            listen = port if not found.apis else process.port_or_free(settings.http.host, port)
            env["LEDGER_HTTP_PORT"] = str(listen)
            found.apis.append(f"http://{settings.http.host}:{listen}")
            port = listen + 1
        with open_private(private_dir(directory / "logs") / f"{name}.log") as log:
            procs.append(subprocess.Popen([ledger, command], env=env, stdout=log, stderr=log))
        found.pids[name] = procs[-1].pid
    return found, procs


async def _declare(url: str) -> None:
    """The streams at three replicas, before any publisher or service needs them."""
    nc = await jetstream.connect(url, "cluster")
    try:
        await jetstream.declare(nc, Topology(), replicas=3)
    finally:
        await nc.close()


async def _demo(url: str) -> int:
    nc = await jetstream.connect(url, "demo")
    publisher, events = Publisher(nc, Topology()), demo.events(source="simulator")
    for envelope in events:
        await publisher.publish(envelope)
    await nc.close()
    return len(events)


def run_cluster(settings: Settings, *, with_demo: bool) -> None:
    directory = (settings.stack.data_dir / "cluster").resolve()
    lock = DataDirLock(directory)
    lock.acquire()
    primary, nats = (
        EmbeddedPostgres(directory),
        NatsCluster(directory / "nats", _passwords(directory)),
    )
    replica = EmbeddedReplica(directory, primary.start())
    procs: list[subprocess.Popen[bytes]] = []
    try:
        database = asyncio.run(db.ensure_database(primary.url, "ledger"))
        db.migrate_sync(database)  # as the owner; the services then log in as their roles
        logins = {role: primary.logins(role)[role] for role in db.SERVICE_ROLES.values()}
        asyncio.run(db.enable_logins(database, logins))
        urls = (database, db.with_database(replica.start(), "ledger"), logins)
        write_private(directory / "nats-passwords.json", msgspec.json.encode(nats.passwords))
        nats.start()
        asyncio.run(_declare(nats.url("ingest")))
        secrets = _dev_secrets(directory)
        asyncio.run(_register(database, secrets))
        found, procs = _start(settings, directory, urls, nats)
        write_private(directory / "cluster.json", msgspec.json.format(msgspec.json.encode(found)))
        _banner(found, secrets, directory)
        if with_demo:
            click.echo(f"  Demo: published {asyncio.run(_demo(nats.url('simulator')))} events")
        _wait_for_signal()
    finally:
        _stop_all(procs)
        nats.stop()
        replica.stop()
        primary.stop()
        lock.release()


def _banner(found: Topography, secrets: dict[str, str], directory: Path) -> None:
    lines = ["Incident Ledger cluster is running. Ctrl-C stops it.", f"  data     {directory}"]
    lines += [f"  API      {url}" for url in found.apis]
    lines += [f"  NATS     {user}: {url}" for user, url in found.nats.items()]
    lines += [f"  {name:11} pid {pid}" for name, pid in found.pids.items()]
    lines += [f"  {role:8} token: {secret}" for role, secret in secrets.items()]
    lines.append("  Try: kill -9 <the ingest-1 pid>, then watch ingest-2 lead (logs/ingest-2.log)")
    click.echo("\n".join(lines))


def _wait_for_signal() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.sigwait({signal.SIGINT, signal.SIGTERM})


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in reversed(procs):
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
