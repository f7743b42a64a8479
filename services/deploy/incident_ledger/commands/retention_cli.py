"""``ledger retention run``: erase every data subject whose retention ended
(``contracts.retention``; docs/erasure.md), each recorded as an erasure with the reason
``retention:<policy>``; erasures left pending in NATS are finished too. Run it daily, on
one host (``infra/systemd/ledger-retention.timer``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click

from incident_ledger.commands.cli_context import settings
from incident_ledger.commands.privacy_cli import with_ledger
from ledger.store import retention
from ledger_api import erasures
from ledger_api.erasures import RETENTION


@click.group("retention")
def retention_group() -> None:
    """Retention of personal data: how long each class is held, and its end."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="list the subjects due, erase none")
@click.option("--as-of", "as_of", default="", help="judge as of this time (ISO 8601 with its"
              " offset, e.g. 2033-01-01T00:00:00+00:00); now by default")  # fmt: skip
def run(dry_run: bool, as_of: str) -> None:
    """Erase every subject whose values are held no longer, then delete the messages of every
    pending erasure from NATS (exit 1: a subject was not erased, messages are left, or a
    sealed value names no subject's key)."""
    now = _instant(as_of)
    if dry_run:
        due = asyncio.run(
            with_ledger(settings(), lambda conn, _, __: retention.due(conn, now), RETENTION)
        )
        for subject, held in due:
            click.echo(f"due {subject}: retention:{held.policy}, held until {held.held_until}")
        click.echo(f"{len(due)} subjects due")
        return
    done = asyncio.run(
        with_ledger(settings(), lambda c, nc, t: erasures.erase_due(c, nc, t, now), RETENTION)
    )
    _summary(done)
    if done.unbound:
        click.echo(f"{done.unbound} sealed values name no subject's key: no erasure reaches"
                   " them (docs/erasure.md)")  # fmt: skip
    if done.failed or done.unbound or done.cleared is None or not all(c.done for c in done.cleared):
        raise SystemExit(1)


def _summary(done: erasures.RetentionRun) -> None:
    for erasure in done.erased:
        click.echo(f"erased {erasure.subject}: {erasure.reason}, position {erasure.position}")
    for subject in done.failed:
        click.echo(f"not erased {subject}: see the log; the next run tries again")
    click.echo(f"{len(done.erased)} subjects erased, {len(done.failed)} failed")
    if done.cleared is None:
        click.echo("erased subjects' messages not deleted from NATS (see the log): all pending")
        return
    left = [c.subject for c in done.cleared if not c.done]
    for subject in left:
        click.echo(f"messages of {subject} left in NATS for a later run")
    click.echo(f"{len(done.cleared) - len(left)} erasures cleared from NATS, {len(left)} left")


def _instant(text: str) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time", param_hint="--as-of"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter("give the time's offset (e.g. +00:00)", param_hint="--as-of")
    return moment
