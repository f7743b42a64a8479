"""The composition root: settings, pools and connections wired to the services.

``serve`` runs any of ingest, projector and API in one process until SIGINT or SIGTERM,
or until one of them fails, and then closes everything in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger import signer_wiring as signing
from incident_ledger.privacy_wiring import master_key
from ledger.ingest import leading as ingest
from ledger.store import master_fit
from ledger_api.app import create_app
from plumbing import db, jetstream, nats_link, startup
from plumbing import logs as logging
from plumbing.paths import shipped_packs_dir
from plumbing.settings import Settings, SettingsError
from plumbing.tuning import tune_gc
from projector.domain import deadlines
from projector.domain.models import Config as ProjectorConfig
from projector.follow import service as projector
from projector.follow.packwatch import PackWatch
from projector.follow.parallel import Workers

log = logging.get(__name__)
COMPONENTS = ("ingest", "projector", "api", "signer")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: ``serve`` owns SIGINT and SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        yield


def projector_config(settings: Settings) -> ProjectorConfig:
    """The policy packs the deployment loads (which apply to an incident is its
    organisation's profile's say), loaded once at start."""
    own = settings.projector
    packs = deadlines.load_packs(packs_dir(settings))
    chosen = {p.strip() for p in own.packs.split(",") if p.strip()}
    unknown = chosen - {p.id for p in packs}
    if unknown:
        raise SettingsError(f"LEDGER_PROJECTOR_PACKS: no pack {', '.join(sorted(unknown))}")
    packs = [p for p in packs if not chosen or p.id in chosen]
    return ProjectorConfig(packs, timedelta(hours=own.backdated_hours))


def rebuild_workers(settings: Settings, database_url: str) -> Workers:
    count = settings.projector.rebuild_workers or os.cpu_count() or 1
    return Workers(database_url, max(count, 1))


def packs_dir(settings: Settings) -> Path:
    return settings.projector.packs_dir or shipped_packs_dir()


def pack_watch(settings: Settings) -> PackWatch:
    """The packs as loaded at start (a broken one stops the start), then watched."""
    initial = projector_config(settings)
    return PackWatch(packs_dir(settings), lambda: projector_config(settings), initial)


def _stop_on_signals(stop: asyncio.Event) -> None:
    """The first SIGINT or SIGTERM stops the services in order; a second one has its
    default effect, should that order hang."""
    loop = asyncio.get_running_loop()

    def stopping() -> None:
        stop.set()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping)


def _tasks(
    components: set[str],
    settings: Settings,
    urls: Mapping[str, str],
    pools: tuple[asyncpg.Pool, asyncpg.Pool | None],
    nc: Client,
    events: tuple[asyncio.Event, asyncio.Event],
) -> dict[str, Coroutine[Any, Any, None]]:
    """The components' coroutines; ``urls``: each one's database URL; ``pools``: the API's
    on the primary and on the replica, if any; ``events``: stop, and the streams declared
    (or found)."""
    pool, read_pool = pools
    stop, streams = events
    topology = Topology(settings.nats.namespace)
    work: dict[str, Coroutine[Any, Any, None]] = {}
    if "ingest" in components:
        work["ingest"] = ingest.run(
            urls["ingest"], nc, topology, settings.ingest, stop, streams, master_key(settings)
        )
    if "projector" in components:
        projector_url = db.projector_url(urls["projector"])
        work["projector"] = projector.run(
            projector_url,
            nc.jetstream(),
            topology,
            pack_watch(settings),
            stop,
            rebuild_workers(settings, projector_url),
            streams,
        )
    if "signer" in components:
        work["signer"] = _after(events, signing.run(urls["signer"], nc, settings, stop))
    if "api" in components:
        config = uvicorn.Config(
            create_app(
                pool,
                nc,
                db.head_revision(),
                topology,
                projector=projector_config(settings),
                insured=settings.http.insured,
                claim_key=signing.claim_key(settings),
                master_key=master_key(settings),
                read_pool=read_pool,
                read_url=settings.database.read_url if read_pool is not None else None,
                csrf_secret=settings.console.csrf_secret,
                listen_url=urls["api"],
            ),
            host=settings.http.host,
            port=settings.http.port,
            log_config=None,
            access_log=False,
            lifespan="on",
            # Open streams (the console's live board) end this long after a stop: none
            # would end by itself.
            timeout_graceful_shutdown=5,
        )
        server = _Server(config)
        work["api"] = _serve_until(server, stop)
    return work


async def _after(
    events: tuple[asyncio.Event, asyncio.Event], work: Coroutine[Any, Any, None]
) -> None:
    """``work`` once the streams are there; nothing if ``stop`` comes first."""
    stop, streams = events
    if await startup.unless(stop, streams.wait()) is None:
        work.close()
        return
    await work


async def _serve_until(server: uvicorn.Server, stop: asyncio.Event) -> None:
    async def watch() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(watch())
    try:
        await server.serve()
    except SystemExit:  # uvicorn's answer to an address it cannot bind (taken meanwhile)
        pass
    finally:
        watcher.cancel()
    if not stop.is_set():
        where = f"{server.config.host}:{server.config.port}"
        raise SettingsError(f"LEDGER_HTTP_PORT: the HTTP server stopped; is {where} free?")


async def serve(
    settings: Settings,
    database_url: str,
    nats_url: str,
    *,
    components: set[str],
    on_started: Callable[[Client], Awaitable[None]] | None = None,
    service_urls: Mapping[str, str] | None = None,
) -> None:
    """Open the servers (bounded waits; a signal meanwhile ends the start quietly), run
    the components, and declare the streams beside them rather than before: a standby
    restarted during a NATS election competes for the lead at once. ``database_url``
    migrates; each component connects with its URL in ``service_urls`` (its own role's
    login, see ``db.SERVICE_ROLES``), else with it."""
    stop = asyncio.Event()
    _stop_on_signals(stop)
    urls = {name: database_url for name in db.SERVICE_ROLES} | dict(service_urls or {})
    async with contextlib.AsyncExitStack() as held:
        opened = await startup.unless(
            stop, _open(settings, (database_url, urls["api"], nats_url), components, held)
        )
        if opened is None:
            log.info("stopped while starting")
            return
        (pool, read_pool, nc), streams = opened[0], asyncio.Event()
        nats_settings = settings.nats
        housekeeping = asyncio.create_task(
            jetstream.declare_beside(
                nc,
                Topology(nats_settings.namespace),
                nats_settings.replicas,
                nats_settings.retention_days,
                streams,
            )
        )
        held.callback(housekeeping.cancel)
        tasks = {
            asyncio.create_task(c, name=n)
            for n, c in _tasks(
                components, settings, urls, (pool, read_pool), nc, (stop, streams)
            ).items()
        }
        if on_started is not None and await startup.unless(stop, streams.wait()):
            await on_started(nc)
        tune_gc()
        await _until_stopped(tasks, stop)


async def _open(
    settings: Settings,
    urls: tuple[str, str, str],
    components: set[str],
    held: contextlib.AsyncExitStack,
) -> tuple[asyncpg.Pool, asyncpg.Pool | None, Client]:
    """PostgreSQL reached and at the code's schema (``urls``: the owner's, the API's, and
    NATS), the pools, NATS: each bounded by LEDGER_START_TIMEOUT; closed by ``held`` (NATS
    drained first)."""
    database_url, api_url, nats_url = urls
    within = settings.stack.start_timeout
    await startup.wait_database(database_url, within)
    await startup.schema(database_url)
    pool = await db.create_pool(api_url, settings.database)
    held.push_async_callback(pool.close)
    if components & {"ingest", "api"}:  # they seal and open personal values
        await _master_fits(pool, settings)
    read_url = settings.database.read_url if "api" in components else None
    read_pool = None
    if read_url:  # no connection at start: a replica that is down must not keep the API
        read_pool = await db.create_pool(read_url, settings.database, lazy=True)
        held.push_async_callback(read_pool.close)
    nc = await jetstream.connect(nats_url, "ledger", within=within)
    held.push_async_callback(nats_link.let_go, nc)
    return pool, read_pool, nc


async def _master_fits(pool: asyncpg.Pool, settings: Settings) -> None:
    """The master key given is the one the subjects' keys are wrapped by, or the start
    stops naming LEDGER_PRIVACY_KEY_FILE."""
    async with pool.acquire() as conn:
        await master_fit.check(conn, master_key(settings))


async def _until_stopped(tasks: set[asyncio.Task[None]], stop: asyncio.Event) -> None:
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({*tasks, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            log.error("service failed", service=task.get_name(), error=repr(result))
            raise result
