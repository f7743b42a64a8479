"""Stories for the loss run's writer process: however a run ends (the rows failing, the
writer failing or killed, the file discarded while it is written, the parent gone), no
process is left running and no file is left behind."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import psutil
import pytest

from projector.views import lossrun_xlsx
from projector.views.writer_process import WriterFailed
from tests.unit.projector.test_lossrun_xlsx import HEADER, RUN, STAMP, line

pytestmark = pytest.mark.unit


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The directory the run's private directory is made in."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _children() -> list[psutil.Process]:
    """This process's writer processes still running (not the servers other tests of the
    same session may have started)."""
    return [p for p in psutil.Process().children(recursive=True) if _writes(p)]


def _writes(process: psutil.Process) -> bool:
    try:
        return lossrun_xlsx.WRITER in process.cmdline()
    except psutil.ZombieProcess:  # ended but not reaped: left behind
        return True
    except psutil.NoSuchProcess:  # ended and reaped meanwhile
        return False


def test_a_run_read_to_the_end_leaves_no_process(tmp: Path) -> None:
    """Given a run written by its writer process, when it is read to the end, then the
    process has ended and nothing is left."""
    book = lossrun_xlsx.LossRunBook(HEADER, STAMP)
    assert _children()
    book.add(RUN)
    assert b"".join(book.finish()).startswith(b"PK")
    assert (_children(), list(tmp.iterdir())) == ([], [])


def test_rows_failing_mid_run_leave_no_process_and_no_file(tmp: Path) -> None:
    """Given a run with rows sent, when reading the next rows fails (as a database read
    may), then leaving the ``with`` block stops the writer and removes its directory."""

    def run() -> None:
        with lossrun_xlsx.LossRunBook(HEADER, STAMP) as book:
            book.add(RUN)
            raise RuntimeError("the rows failed")

    with pytest.raises(RuntimeError):
        run()
    assert (_children(), list(tmp.iterdir())) == ([], [])


def test_a_writer_killed_mid_run_fails_the_run_and_leaves_nothing(tmp: Path) -> None:
    """Given a run whose writer process dies after its first rows, when more rows are sent,
    then the run fails saying so, and nothing is left."""

    def run() -> None:
        with lossrun_xlsx.LossRunBook(HEADER, STAMP) as book:
            book.add(RUN)
            os.kill(book.writer.process.pid, signal.SIGKILL)
            book.writer.process.wait()
            book.add(RUN)

    with pytest.raises(WriterFailed, match="stopped"):
        run()
    assert (_children(), list(tmp.iterdir())) == ([], [])


def test_a_writer_failing_on_a_cell_says_why_and_leaves_nothing(tmp: Path) -> None:
    """Given a row with a cell the writer refuses (text too long in a value it cannot cut),
    when the run is read, then it fails with the writer's reason, and nothing is left."""
    bad = line("I-9", "PICC", "P-1", "CNY", 1, claimant=["x" * 40_000])

    def run() -> None:
        with lossrun_xlsx.LossRunBook(HEADER, STAMP) as book:
            book.add([bad])
            b"".join(book.finish())

    with pytest.raises(WriterFailed, match="ValueError"):
        run()
    assert (_children(), list(tmp.iterdir())) == ([], [])


def test_a_writer_whose_input_ends_early_writes_no_file(tmp: Path) -> None:
    """Given a run whose sender goes before the last row (its input ends), then the writer
    stops without writing the file."""
    book = lossrun_xlsx.LossRunBook(HEADER, STAMP)
    book.add(RUN)
    assert book.writer.process.stdin is not None
    book.writer.process.stdin.close()
    assert book.writer.process.wait(10) != 0
    assert list(tmp.rglob("*.xlsx")) == []
    book.discard()
    assert (_children(), list(tmp.iterdir())) == ([], [])


def test_a_book_discarded_while_written_stops_its_writer_at_once(tmp: Path) -> None:
    """Given a long run whose file is being written, when it is discarded (a reader
    leaving), then the writer is stopped and its directory removed without waiting."""
    book = lossrun_xlsx.LossRunBook(HEADER, STAMP)
    for _ in range(20):
        book.add(RUN * 500)
    book.finish()
    book.discard()
    assert (_children(), list(tmp.iterdir())) == ([], [])
