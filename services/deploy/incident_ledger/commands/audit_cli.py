"""``ledger verify`` and ``ledger export``: the live ledger checked against its signed
checkpoints, and written out for independent verifiers."""

from __future__ import annotations

import os
from pathlib import Path

import click
from ledger_verify import note

from incident_ledger.commands.cli_context import database, settings


@click.command()
@click.option("--key", "keys", multiple=True, help="verifier key to pin (or a file with one)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object instead of a report")
@click.option("--workers", type=click.IntRange(1, 64), default=os.cpu_count() or 1,
              show_default="one per CPU", help="processes checking a large log")  # fmt: skip
@click.option("--since", type=click.Path(dir_okay=False, path_type=Path),
              help="a pin state an earlier run wrote: check only the records after it")  # fmt: skip
@click.option("--full", is_flag=True, help="check every record, even with --since")
@click.option("--write-pin", type=click.Path(dir_okay=False, path_type=Path),
              help="after a valid run, write the pin state for the next --since")  # fmt: skip
def verify(
    keys: tuple[str, ...], as_json: bool, workers: int, since: Path | None, full: bool,
    write_pin: Path | None,
) -> None:  # fmt: skip
    """Check the live ledger against its signed checkpoints. Exit 0 valid, 1 tampered,
    2 malformed, 3 untrusted (a checkpoint no pinned key signed, or a rollback)."""
    from incident_ledger.commands.audit_run import Run, pinned_keys, run_verify

    config = settings()
    try:
        pinned = pinned_keys(keys, config)
        state = None if since is None or full else since.read_text(encoding="utf-8")
    except (note.NoteError, OSError, UnicodeDecodeError) as exc:
        raise click.UsageError(str(exc)) from None
    with database(config) as url:
        code = run_verify(url, pinned, Run(as_json, workers, state, write_pin))
    raise SystemExit(code)


@click.command("export")
@click.option("--full", "directory", required=True, type=click.Path(file_okay=False),
              help="a new directory for the whole log (C2SP tlog-tiles layout)")  # fmt: skip
def export_command(directory: str) -> None:
    """Write the log up to the latest checkpoint for `ledger-verify` and other tools."""
    from incident_ledger.commands.audit_run import run_export

    with database(settings()) as url:
        try:
            size = run_export(url, Path(directory))
        except (FileExistsError, LookupError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"exported {size:,} records to {directory}")
