"""``ledger verify`` and ``ledger export --full``: the live ledger checked against its
signed checkpoints, and written out for anyone to check with ``ledger-verify``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from ledger_verify import note, pin_state
from ledger_verify.report import MALFORMED, Stop
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from incident_ledger.signer_wiring import DEV_KEY
from ledger.audit import bundle_reads as bundles
from ledger.audit import export_files as audit_files
from ledger.audit import live_verify, since_verify
from plumbing.settings import Settings


def pinned_keys(given: tuple[str, ...], settings: Settings) -> list[note.Verifier]:
    """The keys given (a key, or a file holding one), else the configured signing key's
    verifier, else the development key ``ledger up`` made."""
    if given:
        return [note.parse_verifier(_text(k)) for k in given]
    for path in (settings.audit.key_file, settings.stack.data_dir / DEV_KEY):
        if path is not None and path.exists():
            return [note.parse_signer(path.read_text().strip()).verifier()]
    raise note.NoteError("no key to verify with: pass --key (the verifier key to pin)")


def _text(value: str) -> str:
    path = Path(value)
    return path.read_text().strip() if path.is_file() else value


@contextmanager
def bar(what: str) -> Iterator[live_verify.Progress]:
    progress = Progress(
        TextColumn(what),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} records"),
        TextColumn("{task.fields[rate]:,.0f} records/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task(what, total=0, rate=0.0)

        def report(done: int, total: int) -> None:
            elapsed = progress.tasks[task].elapsed or 0.0
            rate = done / elapsed if elapsed else 0.0
            progress.update(task, completed=done, total=total, rate=rate)

        yield report


@dataclass(frozen=True)
class Run:
    """How ``ledger verify`` runs: its output, its workers, where it starts and ends."""

    as_json: bool = False
    workers: int = 1
    since: str | None = None  # a pin state's text: check only the records after it
    write_pin: Path | None = None  # after a valid run, the new pin state goes there


async def _verify(database_url: str, keys: list[note.Verifier], run: Run) -> live_verify.Report:
    conn = await asyncpg.connect(database_url)
    try:
        with bar("verifying") as progress:
            if run.since is None:
                return await live_verify.verify(
                    conn, keys, progress, url=database_url, workers=run.workers,
                    keep=run.write_pin is not None,
                )  # fmt: skip
            pinned = pin_state.open_state(pin_state.parse(run.since), keys)
            return await since_verify.verify_since(conn, keys, pinned, progress)
    finally:
        await conn.close()


async def _verify_or_stop(
    database_url: str, keys: list[note.Verifier], run: Run
) -> live_verify.Report:
    try:
        return await _verify(database_url, keys, run)
    except Stop as stop:  # a pin state that does not hold: untrusted, naming it
        report = live_verify.Report("database")
        report.stop(stop)
        return report


def run_verify(database_url: str, keys: list[note.Verifier], run: Run) -> int:
    report = asyncio.run(_verify_or_stop(database_url, keys, run))
    print(
        report.to_json() if run.as_json else report.render_text(), end="\n" if run.as_json else ""
    )
    if run.write_pin is not None and report.state is not None:
        try:
            pin_state.write(run.write_pin, report.state)
        except OSError as exc:
            print(f"--write-pin: cannot write {run.write_pin}: {exc}", file=sys.stderr)
            return MALFORMED
    return report.exit_code


def _fresh(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty; an export goes to a new directory")


async def export_full(database_url: str, directory: Path, progress: live_verify.Progress) -> int:
    """The log up to the latest checkpoint, in the tlog-tiles layout; its size."""
    _fresh(directory)
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            signed = await bundles.latest(conn)
            with audit_files.ExportWriter(directory, signed.origin) as writer:
                await _write(conn, writer, signed.size, progress)
                writer.finish(signed.note, signed.size, strict=False)
    finally:
        await conn.close()
    return signed.size


async def _write(
    conn: asyncpg.Connection,
    writer: audit_files.ExportWriter,
    size: int,
    progress: live_verify.Progress,
) -> None:
    after = 0
    while after < size:
        rows = await conn.fetch(bundles.AFTER, after, live_verify.CHUNK)  # size bound here
        rows = [row for row in rows if row["position"] <= size]
        if not rows:
            return
        for row in rows:
            writer.add(bytes(row["record"]), bundles.columns(row))
        after = rows[-1]["position"]
        progress(writer.size, size)


def run_export(database_url: str, directory: Path) -> int:
    async def run() -> int:
        with bar("exporting") as progress:
            return await export_full(database_url, directory, progress)

    return asyncio.run(run())
