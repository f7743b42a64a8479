"""``ledger losses``: what the ledger's loss history reports (``triangle``: loss
development triangles)."""

from __future__ import annotations

import click

from incident_ledger.commands.triangle_cli import triangle


@click.group()
def losses() -> None:
    """Loss reports read from the ledger."""


losses.add_command(triangle)
