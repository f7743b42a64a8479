"""The embedded stack: whichever of PostgreSQL and NATS has no URL configured is started
here, under one data directory held by one process at a time. Their URLs are written to
``<data_dir>/endpoints.json`` (mode 600: the URLs carry passwords) so that other
``ledger`` commands can find them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import msgspec

from incident_ledger.stack.nats import PUBLISHERS, EmbeddedNats
from incident_ledger.stack.postgres import EmbeddedPostgres
from plumbing import db
from plumbing.datadir import DataDirInUse, DataDirLock
from plumbing.paths import write_private
from plumbing.settings import Settings


class Endpoints(msgspec.Struct, frozen=True):
    database_url: str  # the owner's (superuser's, embedded): migrations and the CLI
    nats_url: str  # the services'
    http_url: str | None = None
    embedded: bool = False
    # The embedded PostgreSQL's service roles and their passwords (db.SERVICE_ROLES).
    database_logins: dict[str, str] = msgspec.field(default_factory=dict)
    # The embedded NATS's publishing systems: user → URL with its credentials.
    nats_publishers: dict[str, str] = msgspec.field(default_factory=dict)


def endpoints_file(data_dir: Path) -> Path:
    return data_dir / "endpoints.json"


@contextlib.contextmanager
def running(settings: Settings) -> Iterator[Endpoints]:
    """Yield the servers' URLs, starting the embedded ones that are not configured, and
    stop them (NATS first, then PostgreSQL) when the block exits, however it exits."""
    db_url, nats_url = settings.database.url, settings.nats.url
    if db_url and nats_url:
        yield Endpoints(db_url, nats_url)
        return
    data_dir = settings.stack.data_dir
    lock = DataDirLock(data_dir)
    lock.acquire()
    postgres, nats = EmbeddedPostgres(data_dir), EmbeddedNats(data_dir)
    try:
        logins: dict[str, str] = {}
        if not db_url:
            db_url = postgres.start()
            known = postgres.logins(*db.SERVICE_ROLES.values())
            logins = {role: known[role] for role in db.SERVICE_ROLES.values()}
        publishers: dict[str, str] = {}
        if not nats_url:
            nats_url = nats.start()
            publishers = {user: nats.url_as(user) for user in PUBLISHERS}
        yield Endpoints(db_url, nats_url, None, True, logins, publishers)
    finally:
        endpoints_file(data_dir).unlink(missing_ok=True)
        nats.stop()
        postgres.stop()
        lock.release()


def publish_endpoints(data_dir: Path, endpoints: Endpoints) -> None:
    write_private(endpoints_file(data_dir), msgspec.json.encode(endpoints))


def discover(settings: Settings) -> Endpoints | None:
    """The URLs from the environment, or those of a running ``ledger up``."""
    if settings.database.url and settings.nats.url:
        return Endpoints(settings.database.url, settings.nats.url)
    path = endpoints_file(settings.stack.data_dir)
    if not path.exists():
        return None
    found = msgspec.json.decode(path.read_bytes(), type=Endpoints)
    return msgspec.structs.replace(
        found,
        database_url=settings.database.url or found.database_url,
        nats_url=settings.nats.url or found.nats_url,
    )


__all__ = ["DataDirInUse", "Endpoints", "discover", "publish_endpoints", "running"]
