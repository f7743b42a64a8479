"""Stories for a spreadsheet's file: written in a directory only its owner may enter, and
gone on every path (read to the end, failed, discarded before, during or after the slow
writing), so that claimants' names never outlive the request that wrote them."""

from __future__ import annotations

import asyncio
import stat
import tempfile
import threading
from pathlib import Path

import pytest

from projector.views.scratch import Scratch
from projector.views.tabular import Workbook

pytestmark = pytest.mark.unit


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory every scratch file of the test is made in."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_the_file_is_made_in_a_directory_only_its_owner_enters(tmp: Path) -> None:
    """Given a new book, then its file's directory is private (0700) and its own."""
    book = Workbook("Sheet")
    [own] = list(tmp.iterdir())
    assert stat.S_IMODE(own.stat().st_mode) == 0o700
    assert Path(book.scratch.path).parent == own
    book.discard()
    assert list(tmp.iterdir()) == []


def test_a_book_read_to_the_end_leaves_nothing(tmp: Path) -> None:
    """Given a book with a row, when its chunks are read, then they are the file and the
    directory is gone."""
    book = Workbook("Sheet")
    book.write(["张三", 1])
    assert b"".join(book.chunks()).startswith(b"PK")
    assert list(tmp.iterdir()) == []


def test_a_book_is_nameless_once_its_reading_starts(tmp: Path) -> None:
    """Given a book whose reading has started, then no file is left by name, though the
    rest of the book still reads (a reader leaving here leaves nothing behind)."""
    book = Workbook("Sheet")
    book.write(["张三", 1])
    chunks = book.chunks(size=64)
    first = next(chunks)
    assert list(tmp.iterdir()) == []
    assert (first + b"".join(chunks)).startswith(b"PK")


def test_a_book_failing_while_written_leaves_nothing(tmp: Path) -> None:
    """Given a book used in a ``with`` block, when the block fails, then nothing is left."""

    def write() -> None:
        with Workbook("Sheet") as book:
            book.write(["张三"])
            raise RuntimeError("the rows failed")

    with pytest.raises(RuntimeError):
        write()
    assert list(tmp.iterdir()) == []


def test_a_book_discarded_before_it_is_written_is_never_written(tmp: Path) -> None:
    """Given a discarded book, when it is closed, then no file appears and reading fails."""
    book = Workbook("Sheet")
    book.discard()
    book.close()
    assert list(tmp.iterdir()) == []
    with pytest.raises(FileNotFoundError):
        b"".join(book.chunks())


def test_a_file_discarded_while_written_goes_when_the_writing_ends(tmp: Path) -> None:
    """Given a writer paused halfway through the file on another thread, when the file is
    discarded, then it stays only until the writer returns, then goes with its directory."""
    scratch, halfway, resume = Scratch("book.xlsx"), threading.Event(), threading.Event()

    def write() -> None:
        Path(scratch.path).write_bytes(b"half")
        halfway.set()
        resume.wait(10)
        Path(scratch.path).write_bytes(b"whole")

    writer = threading.Thread(target=scratch.fill, args=(write,))
    writer.start()
    assert halfway.wait(10)
    scratch.discard()
    assert Path(scratch.path).exists()  # the writer still has it
    resume.set()
    writer.join(10)
    assert list(tmp.iterdir()) == []


async def test_a_cancelled_close_off_the_event_loop_leaves_nothing(tmp: Path) -> None:
    """Given a long book closed off the event loop, when the awaiting task is cancelled and
    the book discarded (as a server does when its client leaves), then once the writer is
    done nothing is left."""
    book = Workbook("Sheet")
    for i in range(20_000):
        book.write([f"claimant {i}", i, "notes " * 5])
    closing = asyncio.create_task(asyncio.to_thread(book.close))
    await asyncio.sleep(0.01)
    closing.cancel()
    book.discard()
    for _ in range(200):
        if not _left(tmp):
            break
        await asyncio.sleep(0.05)
    assert _left(tmp) == []


def _left(directory: Path) -> list[Path]:
    return list(directory.iterdir())
