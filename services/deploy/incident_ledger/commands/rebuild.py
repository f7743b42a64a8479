"""``ledger project rebuild``: the read models from scratch, with a progress bar."""

from __future__ import annotations

import asyncio

import asyncpg
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from incident_ledger.runtime import projector_config, rebuild_workers
from plumbing import db
from plumbing.settings import Settings
from plumbing.tuning import tune_gc
from projector.follow import packpins, runner, service


def _bar() -> Progress:
    return Progress(
        TextColumn("rebuilding"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} events"),
        TextColumn("{task.fields[rate]:,.0f} events/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


async def _rebuild(settings: Settings, database_url: str) -> int:
    config = projector_config(settings)
    tune_gc()
    database_url = db.projector_url(database_url)  # the generations it makes are the projector's
    conn = await asyncpg.connect(database_url)
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", service.LOCK_KEY):
            raise RuntimeError(
                "a projector is running against this ledger; stop it first "
                "(the rebuild needs its lead)"
            )
        await packpins.vet(conn, config)  # never recompute under a changed applied version
        with _bar() as bar:
            task = bar.add_task("rebuild", total=0, rate=0.0)

            def report(done: int, total: int) -> None:
                elapsed = bar.tasks[task].elapsed or 0.0
                bar.update(
                    task, completed=done, total=total, rate=done / elapsed if elapsed else 0.0
                )

            workers = rebuild_workers(settings, database_url)
            return await runner.rebuild(conn, config, report, workers=workers)
    finally:
        await conn.close()


def run_rebuild(settings: Settings, database_url: str) -> int:
    return asyncio.run(_rebuild(settings, database_url))
