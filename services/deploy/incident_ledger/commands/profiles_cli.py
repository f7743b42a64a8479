"""``ledger org`` and ``ledger site``: register, update and show organisations and sites.
``register`` and ``update`` read a TOML or JSON file and publish its profile event as
``ledger publish`` does, reporting the outcome; ``show`` prints the profile the projector
holds (the ``organisations`` and ``sites`` read models)."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

import asyncpg
import click
import msgspec

from contracts.envelope import Actor
from incident_ledger import profile_files
from incident_ledger.commands import cli_context as context

Build = Callable[..., dict[str, Any]]
_ORGANISATION = "SELECT organisation_id, name, position, doc FROM organisations"
_SITES = "SELECT site_id, organisation_id, name, position, doc FROM sites"


def _publish(
    file: IO[str], build: Build, update: bool, source: str, actor: str, wait: float
) -> None:
    from incident_ledger.commands.publish import run_publish

    settings = context.settings()
    try:
        table = profile_files.parse(file.read(), file.name)
        event = build(table, update=update, source=source, actor=Actor(id=actor))
    except profile_files.FileError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from None
    nats_url = context.endpoints(settings).nats_url
    raise SystemExit(run_publish(settings, nats_url, [event], wait))


def _options(command: Callable[..., None]) -> Callable[..., None]:
    """What every register and update takes: the file, and the envelope's source and actor."""
    for option in reversed([
        click.argument("file", type=click.File("r", encoding="utf-8"), default="-"),
        click.option("--source", default="desk", show_default=True,
                     help="The publishing system named (one the publisher may publish as)."),
        click.option("--actor", default="ledger-cli", show_default=True,
                     help="Who registers it (the envelope's actor id)."),
        click.option("--wait", type=click.FloatRange(min=0), default=10.0, show_default=True,
                     help="Seconds to wait for the ledger to confirm or reject the event."),
    ]):  # fmt: skip
        command = option(command)
    return command


def _show(sql: str, key: str, what: str) -> None:
    async def read(conn: asyncpg.Connection) -> list[asyncpg.Record]:
        try:
            return list(await conn.fetch(sql, key))
        except asyncpg.UndefinedTableError:
            raise click.ClickException("the read models are not built yet") from None

    rows = context.with_db(context.settings(), read)
    if not rows:
        raise click.ClickException(f"no {what} {key!r} is registered")
    for row in rows:
        fields = {key: value for key, value in row.items() if key != "doc"}
        doc = row["doc"]
        doc = msgspec.json.decode(doc) if isinstance(doc, str | bytes) else doc
        shown = fields | (doc if isinstance(doc, dict) else {"doc": doc})
        click.echo(msgspec.json.format(msgspec.json.encode(shown)).decode())


@click.group()
def org() -> None:
    """Register, update and show organisations (their profiles)."""


@org.command("register")
@_options
def org_register(file: IO[str], source: str, actor: str, wait: float) -> None:
    """Publish organisation.registered from FILE (TOML or JSON; - for standard input)."""
    _publish(file, profile_files.organisation_event, False, source, actor, wait)


@org.command("update")
@_options
def org_update(file: IO[str], source: str, actor: str, wait: float) -> None:
    """Publish organisation.updated from FILE: the whole profile, restated."""
    _publish(file, profile_files.organisation_event, True, source, actor, wait)


@org.command("show")
@click.argument("organisation_id")
def org_show(organisation_id: str) -> None:
    """The organisation's profile as the projector holds it, and its sites."""
    _show(_ORGANISATION + " WHERE organisation_id = $1", organisation_id, "organisation")
    _show_sites(organisation_id)


def _show_sites(organisation_id: str) -> None:
    try:
        _show(_SITES + " WHERE organisation_id = $1 ORDER BY site_id", organisation_id, "site of")
    except click.ClickException:
        click.echo("(no sites)")


@click.group()
def site() -> None:
    """Register, update and show sites of organisations."""


@site.command("register")
@_options
def site_register(file: IO[str], source: str, actor: str, wait: float) -> None:
    """Publish site.registered from FILE (TOML or JSON; - for standard input)."""
    _publish(file, profile_files.site_event, False, source, actor, wait)


@site.command("update")
@_options
def site_update(file: IO[str], source: str, actor: str, wait: float) -> None:
    """Publish site.updated from FILE: the site's whole set of overrides, restated."""
    _publish(file, profile_files.site_event, True, source, actor, wait)


@site.command("show")
@click.argument("site_id")
def site_show(site_id: str) -> None:
    """The site's profile as the projector holds it (its overrides resolved)."""
    _show(_SITES + " WHERE site_id = $1", site_id, "site")
