"""``ledger rejections``: the events the ledger refused, oldest first, one line each (time,
source, code, path, message, event_id); ``--follow`` keeps printing new ones until
Ctrl-C. It reads the rejection stream over NATS, as the API does."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import click
import nats.errors
from nats.aio.client import Client
from nats.js import api
from nats.js.errors import NotFoundError

from contracts.topology import Topology
from incident_ledger.commands import cli_context as context
from ledger.store import rejection_log
from ledger.store.rejection_log import SOURCE, Rejection
from plumbing import jetstream


def _printable(text: str) -> str:
    """A publisher's text on one line, with no control character reaching the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def line(r: Rejection) -> str:
    at = r.received_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    fields = (at, r.source, r.code, r.path or "-", r.message, r.event_id or "-")
    return "  ".join(_printable(f) for f in fields)


async def _history(
    nc: Client, topology: Topology, query: rejection_log.Query
) -> AsyncIterator[Rejection]:
    """Every rejection ``query`` asks for, page after page."""
    while True:
        found, last = await rejection_log.page(nc.jetstream(), topology, query, 500)
        for rejection in found:
            yield rejection
        if last is None:
            return
        query = rejection_log.Query(sources=query.sources, code=query.code, after=last)


CLOSE_WITHIN = 5.0  # seconds the subscription and the connection get to close


async def _follow(nc: Client, topology: Topology, query: rejection_log.Query) -> None:
    """Every rejection ``query`` asks for, then new ones as they come, until cancelled:
    one ordered consumer reads history and tail alike, so none falls between them."""
    subject = (
        topology.rejected_subject(query.sources[0]) if query.sources else topology.rejected_wildcard
    )
    start = rejection_log.consumer(topology, query)
    config = api.ConsumerConfig(deliver_policy=start.deliver_policy,
                                opt_start_time=start.opt_start_time)  # fmt: skip
    sub = await nc.jetstream().subscribe(
        subject, stream=topology.rejected_stream, ordered_consumer=True, config=config
    )
    try:
        async for msg in sub.messages:
            rejection = rejection_log.read(msg)
            if query.code is None or rejection.code == query.code:
                click.echo(line(rejection))
    finally:  # bounded: Ctrl-C must end the command even when NATS is slow to answer
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sub.unsubscribe(), CLOSE_WITHIN)


async def _run(url: str, topology: Topology, query: rejection_log.Query, follow: bool) -> None:
    nc = await jetstream.connect(url, "ledger-rejections")
    try:
        if follow:
            await _follow(nc, topology, query)
            return
        async for rejection in _history(nc, topology, query):
            click.echo(line(rejection))
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(nc.close(), CLOSE_WITHIN)


def _since(text: str | None) -> datetime | None:
    from ledger_api import moments
    from ledger_api.paging import BadParameter

    try:
        return moments.bound("--since", text)
    except BadParameter as exc:
        raise click.BadParameter(str(exc.detail).split(": ", 1)[-1], param_hint="--since") from None


@click.command("rejections")
@click.option("--source", help="Only this source's rejections.")
@click.option("--code", help="Only rejections with this code (e.g. invalid_json).")
@click.option("--since", metavar="TIME", help="Received at or after TIME (RFC 3339).")
@click.option("--follow", is_flag=True, help="Keep printing new rejections until Ctrl-C.")
def rejections(source: str | None, code: str | None, since: str | None, follow: bool) -> None:
    """Print rejected events, oldest first: time, source, code, path, message, event_id."""
    if source is not None and not re.fullmatch(SOURCE, source):
        raise click.BadParameter("a source is letters, digits, '_' and '-'", param_hint="--source")
    settings = context.settings()
    url = context.endpoints(settings).nats_url
    topology = Topology(namespace=settings.nats.namespace)
    query = rejection_log.Query(sources=(source,) if source else (), code=code, since=_since(since))
    try:
        asyncio.run(_run(url, topology, query, follow))
    except KeyboardInterrupt:
        pass
    except NotFoundError:
        raise click.ClickException("no rejection stream yet: has the ledger ever run?") from None
    except (nats.errors.Error, OSError) as exc:
        raise click.ClickException(f"NATS did not answer: {exc!r}") from None
