"""``ledger losses triangle``: loss development triangles as CSV, read from the ledger
database as ``GET /v1/losses/triangle`` reads them (unscoped: an operator's command),
with the events read so far on standard error on long runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import asyncpg
import click

from incident_ledger.commands import cli_context as context
from incident_ledger.commands import lossrun_cli
from projector.domain.development import Basis, Measure
from projector.views.csv_text import BOM, CsvWriter
from projector.views.triangle import MONTHS, Period, Shape
from projector.views.triangle_read import TriangleQuery, answer
from projector.views.triangle_render import TriangleAnswer, csv_rows

_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _choice(kind: type[Measure] | type[Basis] | type[Period]) -> click.Choice[str]:
    return click.Choice([k.value for k in kind])


def _shape(origin: str, development: str | None, valuation: datetime | None,
           low: datetime | None, high: datetime | None,
           instant: datetime | None) -> Shape:  # fmt: skip
    period = Period(origin)
    develop = Period(development) if development else period
    if MONTHS[develop] > MONTHS[period]:
        raise click.BadParameter(f"must not be longer than the origin ({origin})",
                                 param_hint="--development")  # fmt: skip
    if low and high and low > high:
        raise click.BadParameter("must not be before --from", param_hint="--to")
    return Shape(origin=period, development=develop, valuation=instant or _end_of(valuation),
                 loss_from=_day(low), loss_to=_day(high))  # fmt: skip


def _end_of(day: datetime | None) -> datetime:
    if day is None:
        return datetime.now(UTC)
    return datetime.combine(day.date() + timedelta(days=1), time(), UTC) - timedelta(microseconds=1)


def _day(at: datetime | None) -> date | None:
    return at.date() if at else None


def _progress(read: int) -> None:
    click.echo(f"read {read:,} loss events", err=True)


@click.command("triangle")
@click.option("--measure", type=_choice(Measure), default="paid", show_default=True)
@click.option("--origin", type=_choice(Period), default="quarter", show_default=True)
@click.option("--development", type=_choice(Period), help="default: the origin's period")
@click.option("--basis", type=_choice(Basis), default="occurred", show_default=True)
@click.option("--from", "low", type=_DAY, help="dates of loss on or after")
@click.option("--to", "high", type=_DAY, help="dates of loss on or before")
@click.option("--currency", help="only this currency's triangle")
@click.option("--valuation-date", type=_DAY, help="valued at the end of this day (UTC)")
@click.option("--as-of", metavar="RFC3339", help="valued at this instant instead")
@click.option("--factors", is_flag=True, help="add age-to-age factors and ultimates")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def triangle(
    measure: str,
    origin: str,
    development: str | None,
    basis: str,
    low: datetime | None,
    high: datetime | None,
    currency: str | None,
    valuation_date: datetime | None,
    as_of: str | None,
    factors: bool,
    output: Path | None,
) -> None:
    """Cumulative loss development triangles per currency, as CSV (to standard output, or
    to --output)."""
    query = TriangleQuery(measure=Measure(measure), basis=Basis(basis), currency=currency,
                          shape=_shape(origin, development, valuation_date, low, high,
                                       lossrun_cli.asked(None, as_of).as_of),
                          factors=factors)  # fmt: skip

    async def read(conn: asyncpg.Connection) -> TriangleAnswer:
        return await answer(conn, query, _progress)

    found = context.with_db(context.settings(), read)
    text = CsvWriter().encode(csv_rows(found))
    if output is None:
        click.echo(text.decode(), nl=False)
        return
    output.write_bytes(BOM + text)
    click.echo(f"wrote {output}", err=True)
