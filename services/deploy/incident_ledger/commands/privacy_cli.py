"""``ledger erase``, ``ledger subjects`` and ``ledger keys privacy|rotate``: data subjects'
erasure and what is held about them, the commitment check, and the master key that wraps
their keys (docs/erasure.md)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncpg
import click
import msgspec
import nats.errors
from nats.aio.client import Client

from contracts.topology import Topology
from incident_ledger import privacy_wiring
from incident_ledger.commands.cli_context import endpoints, settings, with_db
from ledger.audit import clear_personal
from ledger.store import erased_messages, sealing, subject_keys
from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import Erasure
from ledger_api import erasures
from plumbing import jetstream
from plumbing.settings import Settings

T = TypeVar("T")


@click.command()
@click.option("--subject", default="", help="the data subject, e.g. INC-1:claimant")
@click.option("--reason", default="", help="why (the legal ground, the request's reference)")
@click.option("--plan", is_flag=True, help="list the personal values recorded in the clear"
              " (before sealing), which no erasure can reach")  # fmt: skip
@click.option("--pending", is_flag=True, help="delete the messages of erased subjects"
              " still in the events stream (an erasure whose NATS step never ended)")  # fmt: skip
def erase(subject: str, reason: str, plan: bool, pending: bool) -> None:
    """Erase a data subject: its key destroyed, every value sealed under it unreadable for
    ever, its messages deleted from NATS; every record, hash and proof unchanged. Exit 1:
    unknown or already erased (or, with --pending, messages still left)."""
    if plan:
        _plan()
        return
    if pending:
        _pending()
        return
    if not subject:
        raise click.UsageError("--subject is required (or --plan)")
    if not reason.strip():
        raise click.UsageError("--reason is required: why the subject is erased")
    who = f"ledger-erase-{os.environ.get('USER', 'operator')}"
    try:
        done = asyncio.run(_erase(settings(), subject, who, reason.strip()))
    except subject_keys.UnknownSubject:
        raise click.ClickException(f"no data subject {subject!r} is known") from None
    except (subject_keys.AlreadyErased, erasures.NotRecorded) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"erased {done.subject} at {done.erased_at.isoformat()}, position {done.position}")


async def _erase(config: Settings, subject: str, who: str, reason: str) -> Erasure:
    """The erasure, recorded through the running ledger's sequencer."""
    return await with_ledger(
        config, lambda conn, nc, topology: erasures.erase(conn, nc, topology, subject, who, reason)
    )


async def with_ledger(
    config: Settings,
    work: Callable[[asyncpg.Connection, Client, Topology], Awaitable[T]],
    name: str = "ledger-erase",
) -> T:
    """``work`` done with the running ledger's database and NATS (as client ``name``)."""
    ep = endpoints(config)
    conn = await asyncpg.connect(ep.database_url)
    try:
        nc = await jetstream.connect(ep.nats_url, name)
        try:
            return await work(conn, nc, Topology(config.nats.namespace))
        finally:
            await nc.close()
    finally:
        await conn.close()


def _pending() -> None:
    try:
        cleared = asyncio.run(_clear(settings()))
    except nats.errors.Error as exc:
        raise click.ClickException(f"NATS: {exc!r}; the erasures stay pending") from None
    if not cleared:
        click.echo("no erased subject's messages are left in the events stream")
    for done in cleared:
        state = "done" if done.done else "messages not yet ingested are left for a later run"
        click.echo(f"{done.subject}: {done.deleted} messages deleted; {state}")
    if not all(done.done for done in cleared):
        raise SystemExit(1)


async def _clear(config: Settings) -> list[erased_messages.Cleared]:
    """Every pending erasure's messages deleted from the events stream."""
    return await with_ledger(
        config,
        lambda conn, nc, topology: erased_messages.clear_pending(
            conn, nc.jetstream(timeout=10), topology
        ),
    )


@click.group()
def subjects() -> None:
    """Data subjects: what is held about one, and the commitment check."""


@subjects.command("show")
@click.argument("subject")
def subjects_show(subject: str) -> None:
    """What is held about SUBJECT (JSON): where its values are, and whether erased."""
    held = with_db(settings(), lambda c: subject_keys.held(c, subject))
    if held is None:
        raise click.ClickException(f"no data subject {subject!r} is known")
    click.echo(json.dumps(msgspec.to_builtins(held), ensure_ascii=False, indent=2))


@subjects.command("check")
@click.option("--token", required=True, help="the token a record holds (pd1.…)")
@click.option("--value", required=True, help="the value the subject says was recorded")
@click.option("--salt", required=True, help="the salt disclosed to the subject (base64url)")
def subjects_check(token: str, value: str, salt: str) -> None:
    """Whether VALUE, with its SALT, is what TOKEN commits to. Exit 0 yes, 1 no."""
    if sealing.matches(token, value, salt):
        click.echo("matches: the value was recorded")
        return
    click.echo("does not match")
    raise SystemExit(1)


@click.command("privacy")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def privacy_key(out: Path) -> None:
    """Make a master key for personal data (LEDGER_PRIVACY_KEY_FILE), mode 600."""
    try:
        handle = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.UsageError(f"{out} exists; a key is never overwritten") from None
    with os.fdopen(handle, "w") as file:
        file.write(MasterKey.generate() + "\n")
    click.echo(f"wrote {out}")


@click.command("rotate")
@click.option("--to", "new_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the new master key's file")  # fmt: skip
def rotate(new_file: Path) -> None:
    """Rewrap every data subject's key from the current master key (LEDGER_PRIVACY_KEY_FILE)
    to the new one; no record changes. Then point LEDGER_PRIVACY_KEY_FILE at the new file."""
    config = settings()
    old, new = privacy_wiring.master_key(config), MasterKey.read(new_file)
    count = with_db(config, lambda c: subject_keys.rotate(c, old, new))
    click.echo(f"rewrapped {count} keys from {old.id} to {new.id}")


def _plan() -> None:
    """One JSON line per record holding personal values in the clear, then a summary."""

    async def scan(conn: asyncpg.Connection) -> tuple[int, set[str]]:
        records, subjects = 0, set[str]()
        async for found in clear_personal.scan(conn):
            click.echo(msgspec.json.encode(found).decode())
            records, subjects = records + 1, subjects | set(found.subjects)
        return records, subjects

    records, subjects = with_db(settings(), scan)
    click.echo(
        f"{records} records hold personal values of {len(subjects)} subjects in the clear"
        " (recorded before sealing): erasing them would break the hash of each and every"
        " link, proof and checkpoint after it, so they stay; a reader shows them as recorded"
        if records
        else "no personal value is recorded in the clear: every subject can be erased",
        err=True,
    )
