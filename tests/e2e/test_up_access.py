"""Given ``ledger up`` running, another local user, who can reach its loopback ports but not
read its data directory, gets nothing from its PostgreSQL or NATS; the services run as
their own database roles; and a publishing system finds its own NATS login."""

from __future__ import annotations

import asyncio
import json
import signal
import stat

import asyncpg
import nats
import nats.errors
import pytest

from contracts.publisher import Publisher
from contracts.topology import Topology
from plumbing import jetstream
from tests.e2e.test_ledger_up import Ledger, ledger, wait_for_timeline
from tests.support import note

pytestmark = pytest.mark.e2e
__all__ = ["ledger"]

SECRETS = ("endpoints.json", "postgres-passwords.json", "nats-passwords.json")


def _port(url: str) -> int:
    return int(url.rsplit("@", 1)[-1].split("/")[0].split(":")[1])


async def _outsider_refused(endpoints: dict[str, str]) -> None:
    database, nats_url = endpoints["database_url"], endpoints["nats_url"]
    for user in ("postgres", "ledger_ingest", "ledger_api", "ledger_service"):
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(f"postgresql://{user}@127.0.0.1:{_port(database)}/ledger")
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(f"nats://127.0.0.1:{_port(nats_url)}", allow_reconnect=False)


async def _sessions(database_url: str) -> set[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'ledger'"
            " AND pid <> pg_backend_pid()"
        )
        return {row["usename"] for row in rows}
    finally:
        await conn.close()


async def _publish_as(url: str, source: str, incident: str) -> None:
    nc = await jetstream.connect(url, source)
    try:
        await Publisher(nc, Topology()).publish_json(note(incident, "hello", source=source))
    finally:
        await nc.close()


def test_a_local_outsider_gets_nothing_and_services_run_as_their_roles(ledger: Ledger) -> None:
    proc = ledger.up()
    try:
        ledger.wait_ready()
        for name in SECRETS:
            assert stat.S_IMODE((ledger.data_dir / name).stat().st_mode) == 0o600, name
        endpoints = json.loads((ledger.data_dir / "endpoints.json").read_text())
        asyncio.run(_outsider_refused(endpoints))
        roles = asyncio.run(_sessions(endpoints["database_url"]))
        assert {"ledger_ingest", "ledger_projector", "ledger_signer", "ledger_api"} <= roles
        asyncio.run(_publish_as(endpoints["nats_publishers"]["cad"], "cad", "ACCESS-1"))
        assert wait_for_timeline(ledger, "ACCESS-1").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
