"""Files other processes read (endpoints, development tokens, the cluster's map) are
written in one step and readable by their owner alone."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger.paths import write_private

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
