"""A three-node NATS JetStream cluster on one machine, from ``infra/nats/cluster/`` as it
is deployed (accounts, permissions, routes), with the ports moved to free ones: what
``make cluster`` runs for failover drills and the ``cluster`` tests run against.

The configuration's passwords are generated here and passed in the environment, as the
configuration expects; ``url(user)`` gives a user's URL listing all three nodes.
"""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from incident_ledger.stack import process
from incident_ledger.stack.nats import USERS, password_env, server_binary
from plumbing.passwords import new_password
from plumbing.paths import infra_dir

NODES = 3


class NatsCluster:
    def __init__(self, data_dir: Path, passwords: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.passwords = passwords or {user: new_password() for user in USERS}
        ports = _free_ports(3 * NODES)
        self.ports, self.routes, self.monitors = ports[:NODES], ports[NODES:-NODES], ports[-NODES:]
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * NODES

    def env(self) -> dict[str, str]:
        return password_env(self.passwords)

    def url(self, user: str) -> str:
        """``user``'s URL, naming every node (the client fails over between them)."""
        password = self.passwords[user]
        return ",".join(f"nats://{user}:{password}@127.0.0.1:{port}" for port in self.ports)

    def _argv(self, node: int) -> list[str]:
        routes = ",".join(f"nats-route://127.0.0.1:{port}" for port in self.routes)
        return [
            str(server_binary()),
            "-c", str(infra_dir() / "nats" / "cluster" / f"node-{node + 1}.conf"),
            "-a", "127.0.0.1", "-p", str(self.ports[node]), "-m", str(self.monitors[node]),
            "-cluster", f"nats://127.0.0.1:{self.routes[node]}", "-routes", routes,
            "-sd", str(self.data_dir / f"node-{node + 1}"),
        ]  # fmt: skip

    def start_node(self, node: int, timeout: float = 30.0) -> None:
        log = self.data_dir / "logs" / f"nats-{node + 1}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        proc = process.spawn(
            self._argv(node), log=log, parent_death_signal=signal.SIGTERM, env=self.env()
        )
        self.procs[node] = proc
        try:
            process.wait_port("127.0.0.1", self.ports[node], proc, timeout)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"nats-server node {node + 1} {exc}; see {log}") from None

    def start(self) -> None:
        for node in range(NODES):
            self.start_node(node)
        for node in range(NODES):
            self.wait_ready(node)

    def wait_ready(self, node: int, timeout: float = 60.0) -> None:
        """Until the node's ``/healthz`` says JetStream is up and the cluster has a meta
        leader (streams cannot be created before)."""
        url, deadline = (
            f"http://127.0.0.1:{self.monitors[node]}/healthz",
            time.monotonic() + timeout,
        )
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server node {node + 1} not healthy in {timeout:.0f} s")
            time.sleep(0.1)

    def kill(self, node: int) -> None:
        """The node gone at once (SIGKILL): no lame-duck hand-over, as in a crash."""
        proc = self.procs[node]
        if proc is not None:
            proc.kill()
            proc.wait(10)
            self.procs[node] = None

    def stop(self) -> None:
        for node, proc in enumerate(self.procs):
            if proc is not None:
                process.stop(proc, signal.SIGTERM, timeout=10)
                self.procs[node] = None


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (``process.free_port``'s)."""
    ports: list[int] = []
    while len(ports) < count:
        if (port := process.free_port()) not in ports:
            ports.append(port)
    return ports
