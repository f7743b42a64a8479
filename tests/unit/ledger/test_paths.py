"""Files other processes read (endpoints, development tokens, the cluster's map) are
written in one step and readable by their owner alone; logs and the data directory are
their owner's alone too."""

from __future__ import annotations

import signal
import stat
from pathlib import Path

import pytest

from incident_ledger.stack import process
from plumbing.datadir import DataDirLock
from plumbing.paths import open_private, private_dir, write_private

pytestmark = pytest.mark.unit


def test_a_private_file_replaces_the_old_one_whole(tmp_path: Path) -> None:
    path = tmp_path / "dev-tokens.json"
    path.write_bytes(b"old")
    path.chmod(0o644)
    write_private(path, b'{"admin":"secret"}')
    assert path.read_bytes() == b'{"admin":"secret"}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["dev-tokens.json"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.json"
    path.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_private(path, "not bytes")  # type: ignore[arg-type]
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["endpoints.json"]


def test_a_log_is_created_private_and_an_old_wide_one_narrowed(tmp_path: Path) -> None:
    """Given a log an earlier version left mode 644 in a 755 directory, when a server is
    spawned writing to it (and another to a new log), then both are 600 in a 700 directory
    and the old lines are kept."""
    logs = tmp_path / "logs"
    logs.mkdir(mode=0o755)
    logs.chmod(0o755)
    old = logs / "nats.log"
    old.write_bytes(b"earlier run\n")
    old.chmod(0o644)
    for log in (old, logs / "postgres.log"):
        process.spawn(["echo", "started"], log=log, parent_death_signal=signal.SIGTERM).wait()
    assert stat.S_IMODE(logs.stat().st_mode) == 0o700
    for log in logs.iterdir():
        assert stat.S_IMODE(log.stat().st_mode) == 0o600, log
    assert old.read_bytes() == b"earlier run\nstarted\n"


def test_a_private_directory_is_made_with_its_parents(tmp_path: Path) -> None:
    made = private_dir(tmp_path / "data" / "checkpoints")
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    with open_private(made / "api-1.log") as log:
        log.write(b"line\n")
    assert stat.S_IMODE((made / "api-1.log").stat().st_mode) == 0o600


def test_a_data_directory_lock_is_private(tmp_path: Path) -> None:
    lock = DataDirLock(tmp_path / "ledger-data")
    lock.acquire()
    try:
        assert stat.S_IMODE(lock.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(lock.path.parent.stat().st_mode) == 0o700
    finally:
        lock.release()
