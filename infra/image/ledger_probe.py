#!/usr/bin/env python3
"""Probes for the ledger's containers, installed in the image as ``ledger-probe``:
the Kubernetes exec probes of the services that serve no HTTP (ingest, projector,
signer), the image's HEALTHCHECK, and the init container that holds every service back
until the migration Job has brought the schema to the code's head.

``ledger-probe connected``: this process's network namespace holds an established TCP
connection to PostgreSQL (the port of LEDGER_DATABASE_URL) and one to NATS (a port of
LEDGER_NATS_URL). A leader and a standby both keep both open, so this is true of every
healthy service and false of one that has lost either server; it costs no query and
needs no credentials.

``ledger-probe schema [--within SECONDS]``: waits until the database is at the schema
revision this image's migrations end at. Read-only (one SELECT), so a service's own role
runs it: a service never attempts the migration itself, which its role may not do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

ESTABLISHED = "01"
DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "nats": 4222, "tls": 4222}


def ports(urls: str) -> set[int]:
    """The ports of a comma-separated list of URLs (the scheme's default when absent)."""
    found = set()
    for url in filter(None, (u.strip() for u in urls.split(","))):
        parts = urlsplit(url)
        found.add(parts.port or DEFAULT_PORTS.get(parts.scheme, 0))
    return found


def remote_ports(tables: Iterable[str]) -> set[int]:
    """Remote ports of the established connections in ``/proc/net/tcp``-format text."""
    found = set()
    for table in tables:
        for line in table.splitlines()[1:]:
            fields = line.split()
            if len(fields) > 3 and fields[3] == ESTABLISHED:
                _, _, port = fields[2].rpartition(":")
                with contextlib.suppress(ValueError):
                    found.add(int(port, 16))
    return found


def connected(environ: dict[str, str], tables: Iterable[str]) -> str | None:
    """None when connected to both servers, else what is missing."""
    wanted = {v: ports(environ.get(v, "")) for v in ("LEDGER_DATABASE_URL", "LEDGER_NATS_URL")}
    for variable, server_ports in wanted.items():
        if not server_ports:
            return f"{variable} is not set"
    open_ports = remote_ports(tables)
    for variable, server_ports in wanted.items():
        if not server_ports & open_ports:
            return f"no connection to the server of {variable} (ports {sorted(server_ports)})"
    return None


def _tables() -> list[str]:
    paths = (Path("/proc/net/tcp"), Path("/proc/net/tcp6"))
    return [p.read_text() for p in paths if p.exists()]


async def _revision(url: str) -> str | None:
    import asyncpg

    from plumbing import db

    conn = await asyncpg.connect(url, timeout=10)
    try:
        return await db.current_revision(conn)
    finally:
        await conn.close()


def wait_schema(url: str, within: float, every: float = 2.0) -> str | None:
    """None once the schema is at the head, else why not when ``within`` has passed."""
    from plumbing import db

    head, deadline, why = db.head_revision(), time.monotonic() + within, "not checked"
    while True:
        try:
            current = asyncio.run(_revision(url))
            if current == head:
                return None
            why = f"the schema is at revision {current}, waiting for {head}"
        except Exception as exc:  # the server not there yet, or refusing: keep waiting
            why = f"PostgreSQL: {type(exc).__name__}: {exc}"
        if time.monotonic() >= deadline:
            return why
        print(f"ledger-probe: {why}", file=sys.stderr, flush=True)
        time.sleep(every)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ledger-probe")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("connected")
    schema = commands.add_parser("schema")
    schema.add_argument("--within", type=float, default=600.0)
    args = parser.parse_args(argv)
    if args.command == "connected":
        problem = connected(dict(os.environ), _tables())
    elif not os.environ.get("LEDGER_DATABASE_URL"):
        problem = "LEDGER_DATABASE_URL is not set"
    else:
        problem = wait_schema(os.environ["LEDGER_DATABASE_URL"], args.within)
    if problem:
        print(f"ledger-probe: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
