"""``ledger up``: the whole system in one process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import click
import msgspec
from nats.aio.client import Client

from contracts.profile_rules import is_profile_stream
from contracts.publisher import Publisher
from contracts.topology import Topology
from incident_ledger import demo, demo_profiles
from incident_ledger import signer_wiring as signing
from incident_ledger.runtime import COMPONENTS, serve
from incident_ledger.stack import embedded
from ledger_api import token_store as tokens
from plumbing import db, jetstream
from plumbing.paths import write_private
from plumbing.settings import Settings

DEV_ROLES = ("admin", "auditor", "clerk", "publisher")
DEV_SOURCES = ("demo", "desk")  # the development publisher's: the demo's and README's


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    """Development tokens, kept in the data directory so they survive restarts."""
    path = data_dir / "dev-tokens.json"
    known = msgspec.json.decode(path.read_bytes(), type=dict[str, str]) if path.exists() else {}
    if set(known) >= set(DEV_ROLES):
        return known
    secrets = {role: known.get(role) or tokens.new_secret() for role in DEV_ROLES}
    write_private(path, msgspec.json.encode(secrets))
    return secrets


async def _register(database_url: str, secrets: dict[str, str]) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        for role, secret in secrets.items():
            sources = DEV_SOURCES if role == "publisher" else ()
            await tokens.ensure(
                conn, role=role, name=f"development {role}", secret=secret, sources=sources
            )
    finally:
        await conn.close()


def _banner(http_url: str, secrets: dict[str, str], publishers: dict[str, str]) -> None:
    lines = [
        "Incident Ledger is running. Ctrl-C stops it.",
        f"  API      {http_url}",
        f"  OpenAPI  {http_url}/schema",
        f"  Ready    {http_url}/ready",
        f"  Console  {http_url}/console/",
    ]
    # Development only (the tokens exist only in an embedded stack): one click signs in
    # (the token is in the link's fragment, which the browser never sends).
    lines += [
        f"  Console as {role}: {http_url}/console/sign-in#token={secrets[role]}"
        for role in ("admin", "auditor")
        if role in secrets
    ]
    lines += [f"  {role:8} token: {secret}" for role, secret in secrets.items()]
    lines += [f"  NATS {user:9} {url}" for user, url in publishers.items()]
    if "auditor" in secrets:
        lines.append(
            f"  Try: curl -H 'Authorization: Bearer {secrets['auditor']}' "
            f"{http_url}/v1/incidents/<id>/timeline"
        )
    click.echo("\n".join(lines))


async def _publish_demo(nc: Client, topology: Topology, publishers: dict[str, str]) -> None:
    """As the ``simulator`` publishing system, through its own NATS account, when the
    embedded NATS has one (its subjects carry no namespace); else as the services."""
    own = None if topology.namespace else publishers.get("simulator")
    conn = await jetstream.connect(own, "demo") if own else nc
    events = demo.events(source="simulator") if own else demo.events()
    try:
        publisher = Publisher(conn, topology)
        for envelope in events:
            await publisher.publish(envelope)
    finally:
        if own:
            await conn.close()
    incidents = sorted({e.incident_id for e in events if not is_profile_stream(e.incident_id)})
    click.echo(
        f"  Demo: published {len(events)} events: {len(demo_profiles.ORGANISATIONS)} organisations"
        f" and their sites, {len(incidents)} incidents, e.g. {incidents[0]}"
    )


async def _up(settings: Settings, ep: embedded.Endpoints, with_demo: bool) -> None:
    if settings.audit.key_file is None:  # development: a key of its own in the data dir
        key = signing.dev_key(settings.stack.data_dir, settings.ingest.origin)
        settings = msgspec.structs.replace(
            settings, audit=msgspec.structs.replace(settings.audit, key_file=key)
        )
    database_url, service_urls = ep.database_url, None
    if ep.embedded and settings.database.url is None:
        database_url = await db.ensure_database(ep.database_url, "ledger")
        # Migrated as the owner; then each service connects as its own role.
        await db.migrate(database_url)
        await db.enable_logins(database_url, ep.database_logins)
        service_urls = db.service_urls(database_url, ep.database_logins)
    http_url = f"http://{settings.http.host}:{settings.http.port}"

    async def started(nc: Client) -> None:
        secrets: dict[str, str] = {}
        if ep.embedded:
            secrets = _dev_secrets(settings.stack.data_dir)
            await _register(database_url, secrets)
            embedded.publish_endpoints(
                settings.stack.data_dir,
                embedded.Endpoints(
                    database_url,
                    ep.nats_url,
                    http_url,
                    embedded=True,
                    nats_publishers=ep.nats_publishers,  # for publishing systems to find
                ),
            )
        _banner(http_url, secrets, ep.nats_publishers)
        if with_demo:
            await _publish_demo(nc, Topology(settings.nats.namespace), ep.nats_publishers)

    await serve(
        settings,
        database_url,
        ep.nats_url,
        components=set(COMPONENTS),
        on_started=started,
        service_urls=service_urls,
    )


def run_up(settings: Settings, *, with_demo: bool) -> None:
    with embedded.running(settings) as ep:
        asyncio.run(_up(settings, ep, with_demo))
