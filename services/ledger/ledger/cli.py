"""The ``ledger`` command line. Each command decodes its options, wires what it needs
through the composition root and calls the core; nothing runs at import time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import IO, TypeVar

import asyncpg
import click

from contracts import scenarios
from ledger import db, publishing, tokens
from ledger import logging as ledger_logging
from ledger.settings import Settings, SettingsError, load
from ledger.stack import embedded

T = TypeVar("T")


def _settings() -> Settings:
    try:
        settings = load()
    except SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    ledger_logging.configure(settings.log)
    return settings


def _endpoints(settings: Settings) -> embedded.Endpoints:
    found = embedded.discover(settings)
    if found is None:
        raise click.ClickException(
            "no ledger to talk to: start one with `ledger up`, or set LEDGER_DATABASE_URL "
            "and LEDGER_NATS_URL"
        )
    return found


def _with_db(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    url = _endpoints(settings).database_url

    async def run() -> T:
        conn = await asyncpg.connect(url)
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Incident Ledger: an event-sourced incident ledger with a tamper-evident audit trail."""


@main.command()
@click.option("--demo", is_flag=True, help="Publish demo incidents once the system is up.")
@click.option("--cluster", is_flag=True, help="3 NATS nodes, a PostgreSQL replica and every"
              " service twice, as separate processes (failover drills).")  # fmt: skip
def up(demo: bool, cluster: bool) -> None:
    """Run ingest, projector and API in one process (embedded servers when no URLs)."""
    from ledger.commands.cluster import run_cluster
    from ledger.commands.up import run_up

    settings = _settings()
    try:
        (run_cluster if cluster else run_up)(settings, with_demo=demo)
    except embedded.DataDirInUse as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
def migrate() -> None:
    """Apply database migrations (alembic upgrade head)."""
    settings = _settings()
    with _database(settings) as url:
        db.migrate_sync(url)
    click.echo("migrated to " + str(db.head_revision()))


def _component(name: str) -> None:
    from ledger.runtime import serve

    settings = _settings()
    ep = _endpoints(settings)
    asyncio.run(serve(settings, ep.database_url, ep.nats_url, components={name}))


@main.command()
def ingest() -> None:
    """Run the ingest (the sequencer) alone."""
    _component("ingest")


@main.group(invoke_without_command=True)
@click.pass_context
def project(ctx: click.Context) -> None:
    """Run the projector alone (or a subcommand)."""
    if ctx.invoked_subcommand is None:
        _component("projector")


@project.command()
@click.option(
    "--projection",
    type=click.Choice(["all", "incident_status", "deadlines", "losses"]),
    default="all",
    show_default=True,
    help="The three read models share one generation: naming one rebuilds all.",
)
def rebuild(projection: str) -> None:
    """Rebuild the read models from position 0 beside the live ones, then swap them in.

    Needs the projector's lead: stop running projectors first. Without a running ledger
    or configured URLs, the embedded PostgreSQL is started for the rebuild."""
    from ledger.commands.rebuild import run_rebuild

    settings = _settings()
    try:
        with _database(settings) as url:
            db.migrate_sync(url)
            generation = run_rebuild(settings, url)
    except (RuntimeError, embedded.DataDirInUse) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"read models rebuilt as generation {generation} and now live")


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[str]:
    """The ledger database: a running ledger's, the configured one, or the embedded one
    started for this command alone."""
    found = embedded.discover(settings)
    if found is not None:
        yield found.database_url
        return
    with embedded.running(settings) as ep:
        yield asyncio.run(db.ensure_database(ep.database_url, "ledger"))


@main.command()
def sign() -> None:
    """Run the checkpoint signer alone (it needs LEDGER_AUDIT_KEY_FILE)."""
    _component("signer")


@main.command()
def api() -> None:
    """Run the HTTP API alone."""
    _component("api")


@main.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
def publish(source: IO[str]) -> None:
    """Publish NDJSON events from FILE (or - for standard input) to JetStream."""
    from ledger.commands.publish import run_publish

    settings = _settings()
    try:
        events = publishing.parse_ndjson(source)
    except publishing.LineError as exc:
        raise click.ClickException(f"{source.name}: {exc}") from None
    for line in run_publish(settings, _endpoints(settings).nats_url, events):
        click.echo(line)


@main.command()
@click.option(
    "--scenario",
    "names",
    multiple=True,
    metavar="NAME",
    help="A scenario (repeatable), or 'all'. See --list.",
)
@click.option(
    "--speed",
    type=float,
    default=60.0,
    show_default=True,
    help="Time compression: 1 is real time, inf publishes the history at once.",
)
@click.option("--incidents", type=click.IntRange(1, 10_000), default=1, show_default=True)
@click.option(
    "--rate",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Instead of scenarios: a steady load of about N events a second.",
)
@click.option(
    "--duration",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="With --rate: seconds to run.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--list", "list_only", is_flag=True, help="List the scenarios and exit.")
def simulate(
    names: tuple[str, ...],
    speed: float,
    incidents: int,
    rate: float | None,
    duration: float,
    seed: int,
    list_only: bool,
) -> None:
    """Publish incident streams that follow the emergency plans' procedures and timings."""
    from ledger.commands.simulate import Run, run_simulation

    if list_only:
        click.echo("\n".join(scenarios.scenario_names()))
        return
    chosen = scenarios.scenario_names() if "all" in names else list(names)
    unknown = sorted(set(chosen) - set(scenarios.scenario_names()))
    if unknown or not (chosen or rate):
        raise click.UsageError(
            f"unknown scenario {', '.join(unknown)}; see --list"
            if unknown
            else "name a --scenario (or 'all'), or give --rate"
        )
    settings = _settings()
    run = Run(
        names=chosen, speed=speed, incidents=incidents, rate=rate, duration=duration, seed=seed
    )
    sent = run_simulation(settings, _endpoints(settings).nats_url, run)
    click.echo(f"published {sent} events")


@main.group()
def token() -> None:
    """Create, list and revoke API bearer tokens."""


@token.command("create")
@click.option("--role", type=click.Choice(tokens.ROLES), required=True)
@click.option("--name", required=True, help="Who or what holds the token.")
def token_create(role: str, name: str) -> None:
    info, secret = _with_db(_settings(), lambda c: tokens.create(c, role=role, name=name))
    click.echo(f"{info.token_id}  {info.role}  {info.name}")
    click.echo(secret)
    click.echo("Keep the token now: only its hash is stored.", err=True)


@token.command("list")
def token_list() -> None:
    for info in _with_db(_settings(), tokens.listing):
        revoked = f"revoked {info.revoked_at:%Y-%m-%d %H:%M}" if info.revoked_at else "active"
        click.echo(f"{info.token_id}  {info.role:9}  {revoked:24}  {info.name}")


@token.command("revoke")
@click.argument("token_id", type=click.UUID)
def token_revoke(token_id: uuid.UUID) -> None:
    if not _with_db(_settings(), lambda c: tokens.revoke(c, token_id)):
        raise click.ClickException(f"no active token {token_id}")
    click.echo(f"revoked {token_id}")


__all__ = ["main"]


@main.group()
def keys() -> None:
    """Signing keys for checkpoints."""


@keys.command("create")
@click.option("--name", required=True, help="the key's name, e.g. ledger.example.org/incidents")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="key file")
def keys_create(name: str, out: str) -> None:
    """Make an Ed25519 signing key: the private key goes to OUT (mode 600, never
    overwritten), the public verifier key is printed for verifiers to pin."""
    from pathlib import Path

    from ledger_verify import note

    try:
        signer = note.generate(name)
    except note.NoteError as exc:
        raise click.UsageError(str(exc)) from None
    path = Path(out)
    try:
        with path.open("x") as file:
            file.write(str(signer) + "\n")
    except FileExistsError:
        raise click.UsageError(f"{out} exists; a key is never overwritten") from None
    path.chmod(0o600)
    click.echo(str(signer.verifier()))


@main.command()
@click.option("--key", "keys", multiple=True, help="verifier key to pin (or a file with one)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object instead of a report")
@click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default="one per CPU", help="processes checking a large log")  # fmt: skip
def verify(keys: tuple[str, ...], as_json: bool, workers: int) -> None:
    """Check the live ledger against its signed checkpoints. Exit 0 valid, 1 tampered,
    2 malformed, 3 untrusted (a checkpoint no pinned key signed, or a rollback)."""
    from ledger_verify import note

    from ledger.commands.audit import pinned_keys, run_verify

    settings = _settings()
    try:
        pinned = pinned_keys(keys, settings)
    except (note.NoteError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    with _database(settings) as url:
        code = run_verify(url, pinned, as_json, workers)
    raise SystemExit(code)


@main.command("export")
@click.option("--full", "directory", required=True, type=click.Path(file_okay=False),
              help="a new directory for the whole log (C2SP tlog-tiles layout)")  # fmt: skip
def export_command(directory: str) -> None:
    """Write the log up to the latest checkpoint for `ledger-verify` and other tools."""
    from pathlib import Path

    from ledger.commands.audit import run_export

    settings = _settings()
    with _database(settings) as url:
        try:
            size = run_export(url, Path(directory))
        except (FileExistsError, LookupError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"exported {size:,} records to {directory}")
