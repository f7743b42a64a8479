"""``ledger losses``: what the ledger's loss history reports: the loss run itself
(:mod:`incident_ledger.commands.lossrun_cli`) and, with ``triangle``, loss development
triangles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

import click

from incident_ledger.commands import lossrun_cli
from incident_ledger.commands.triangle_cli import triangle
from ledger_api.routes.loss_records import Format


@click.group(invoke_without_command=True)
@click.option("--valuation-date", metavar="YYYY-MM-DD",
              help="valued at the end of this day (UTC); default today")  # fmt: skip
@click.option("--as-of", metavar="RFC3339", help="valued at this instant instead")
@click.option("--format", "form", type=click.Choice(["csv", "xlsx", "json"]), default="csv",
              show_default=True)  # fmt: skip
@click.option("--with-personal-data", "personal", is_flag=True,
              help="the claimant's name, as an auditor sees it (blanked by default)")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def losses(ctx: click.Context, valuation_date: str | None, as_of: str | None, form: str,
           personal: bool, output: Path | None) -> None:  # fmt: skip
    """The loss run (to standard output, or to --output), as GET /v1/losses gives it: one
    row per claim and per unclaimed loss, then totals; or, with a subcommand, other loss
    reports."""
    if ctx.invoked_subcommand is not None:
        return
    run = lossrun_cli.asked(valuation_date, as_of)
    if output is None and form == "xlsx" and sys.stdout.isatty():
        raise click.BadParameter("an XLSX file is not for a terminal: name a file",
                                 param_hint="--output")  # fmt: skip
    if output is None:
        lossrun_cli.write(cast(Format, form), run, personal, sys.stdout.buffer)
        return
    with output.open("wb") as out:
        lossrun_cli.write(cast(Format, form), run, personal, out)
    click.echo(f"wrote {output}", err=True)


losses.add_command(triangle)
