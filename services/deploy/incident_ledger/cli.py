"""The ``ledger`` command line. Each command decodes its options, wires what it needs
through the composition root and calls the core; nothing runs at import time."""

from __future__ import annotations

import asyncio
from typing import IO

import click

from contracts import scenarios
from incident_ledger import publishing
from incident_ledger.commands import (
    audit_cli,
    credentials,
    losses_cli,
    privacy_cli,
    profiles_cli,
    retention_cli,
)
from incident_ledger.commands import cli_context as context
from incident_ledger.commands import rejections_cli as rejections
from incident_ledger.stack import embedded
from plumbing import db, startup
from plumbing.settings import SettingsError


class _Ledger(click.Group):
    """Every command: a setting that is malformed, or names a server that does not answer,
    ends it with one line naming the variable and exit code 2, not a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            click.echo(f"ledger: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Ledger, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="incident-ledger", prog_name="ledger")
def main() -> None:
    """Incident Ledger: an event-sourced incident ledger with a tamper-evident audit trail."""


@main.command()
@click.option("--demo", is_flag=True, help="Publish demo incidents once the system is up.")
@click.option("--cluster", is_flag=True, help="3 NATS nodes, a PostgreSQL replica and every"
              " service twice, as separate processes (failover drills).")  # fmt: skip
def up(demo: bool, cluster: bool) -> None:
    """Run ingest, projector and API in one process (embedded servers when no URLs)."""
    from incident_ledger.commands.cluster import run_cluster
    from incident_ledger.commands.up import run_up

    settings = context.settings()
    try:
        startup.check_up(settings, cluster)  # before any server starts
        (run_cluster if cluster else run_up)(settings, with_demo=demo)
    except embedded.DataDirInUse as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
def migrate() -> None:
    """Apply database migrations (alembic upgrade head)."""
    settings = context.settings()
    with context.database(settings) as url:
        asyncio.run(startup.wait_database(url, settings.stack.start_timeout))
        asyncio.run(startup.schema(url))
    click.echo("migrated to " + str(db.head_revision()))


def _component(name: str) -> None:
    from incident_ledger.runtime import serve

    settings = context.settings()
    if name == "api":
        startup.check_port(settings.http)
    ep = context.endpoints(settings)
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
    from incident_ledger.commands.rebuild import run_rebuild

    settings = context.settings()
    try:
        with context.database(settings) as url:
            db.migrate_sync(url)
            generation = run_rebuild(settings, url)
    except (RuntimeError, embedded.DataDirInUse) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"read models rebuilt as generation {generation} and now live")


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
@click.option("--wait", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds to wait for the ledger to confirm or reject each event.")  # fmt: skip
def publish(source: IO[str], wait: float) -> None:
    """Publish NDJSON events from FILE (or - for standard input) to JetStream and report
    each one's outcome (exit status 1 if any was rejected or not confirmed)."""
    from incident_ledger.commands.publish import run_publish

    settings = context.settings()
    try:
        events = publishing.parse_ndjson(source)
    except publishing.LineError as exc:
        raise click.ClickException(f"{source.name}: {exc}") from None
    raise SystemExit(run_publish(settings, context.endpoints(settings).nats_url, events, wait))


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
    from incident_ledger.commands.simulate import Run, run_simulation

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
    settings = context.settings()
    run = Run(
        names=chosen, speed=speed, incidents=incidents, rate=rate, duration=duration, seed=seed
    )
    sent = run_simulation(settings, context.endpoints(settings).nats_url, run)
    click.echo(f"published {sent} events")


main.add_command(credentials.token)
main.add_command(credentials.keys)
credentials.keys.add_command(privacy_cli.privacy_key)
credentials.keys.add_command(privacy_cli.rotate)
main.add_command(privacy_cli.erase)
main.add_command(privacy_cli.subjects)
main.add_command(retention_cli.retention_group)
main.add_command(profiles_cli.org)
main.add_command(profiles_cli.site)
main.add_command(audit_cli.verify)
main.add_command(audit_cli.export_command)
main.add_command(rejections.rejections)
main.add_command(losses_cli.losses)

__all__ = ["main"]
