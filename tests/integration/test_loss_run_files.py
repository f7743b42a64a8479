"""A loss run's spreadsheet holds claimants' names opened for its reader: its file must not
outlive the response. Over the loss-run story, a reader who leaves while the rows are read,
or while the file is compressed, leaves no file behind; one who reads it all neither."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from ledger_api.routes.loss_records import body
from projector.domain.loss_run import Line
from projector.views import lossrun
from projector.views.writer_process import WriterProcess
from tests.integration.api_story import Story
from tests.integration.loss_run_story import HEADER, history

pytestmark = pytest.mark.integration


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory the run's private directory is made in."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _opening(paused: asyncio.Event) -> Callable[[list[Line]], Awaitable[list[Line]]]:
    """A reader's opening of the sealed values that never ends once the first batch is in."""

    async def reveal(rows: list[Line]) -> list[Line]:
        paused.set()
        await asyncio.Event().wait()
        return rows

    return reveal


async def _read(pool: asyncpg.Pool, query: lossrun.Query) -> bytes:
    return b"".join([chunk async for chunk in body("xlsx", pool, query, HEADER)])


def _left(directory: Path) -> list[str]:
    """What the run left in ``directory``: its files, with their directories."""
    return [str(p) for p in directory.rglob("*")]


def _files(directory: Path) -> list[str]:
    return [str(p) for p in directory.rglob("*.xlsx") if p.is_file()]


async def _gone(directory: Path) -> bool:
    for _ in range(200):
        if not _left(directory):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_run_read_to_the_end_leaves_no_file(told: Story, scratch: Path) -> None:
    """Given the story, when its spreadsheet is read to the end, then no file is left."""
    await history(told)
    assert (await _read(told.pool, lossrun.Query())).startswith(b"PK")
    assert _left(scratch) == []


async def test_a_reader_leaving_while_rows_are_read_leaves_no_file(
    told: Story, scratch: Path
) -> None:
    """Given the story read for a reader who sees names, when the reader leaves while the
    first batch is being opened, then the part-written file is gone."""
    await history(told)
    paused = asyncio.Event()
    query = lossrun.Query(redact=False, reveal=_opening(paused))
    reading = asyncio.create_task(_read(told.pool, query))
    await asyncio.wait_for(paused.wait(), 30)
    assert _left(scratch)  # the book is being written
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert _left(scratch) == []


async def test_a_reader_leaving_while_the_file_is_compressed_leaves_no_file(
    told: Story, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given the story, when the reader leaves while the file is being written (awaited off
    the event loop), then the file goes as soon as the wait is over."""
    await history(told)
    halfway, resume = threading.Event(), threading.Event()
    finish = WriterProcess.finish

    def slow_finish(writer: WriterProcess) -> None:
        finish(writer)
        halfway.set()  # the file is there; the wait is not over yet
        resume.wait(30)

    monkeypatch.setattr(WriterProcess, "finish", slow_finish)
    reading = asyncio.create_task(_read(told.pool, lossrun.Query()))
    assert await asyncio.to_thread(halfway.wait, 30)
    assert _files(scratch)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    resume.set()
    assert await _gone(scratch)
