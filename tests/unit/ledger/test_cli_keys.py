"""``ledger keys create``: a signing key only its owner can read, never overwritten, and
the verifier key printed for verifiers to pin."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from ledger_verify import note

from incident_ledger.cli import main

pytestmark = pytest.mark.unit


def test_a_key_is_made_for_its_owner_alone_and_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "signer.key"
    made = CliRunner().invoke(main, ["keys", "create", "--name", "ledger.example/log",
                                     "--out", str(out)])  # fmt: skip
    assert made.exit_code == 0, made.output
    signer = note.parse_signer(out.read_text())
    assert str(note.parse_verifier(made.output.strip())) == str(signer.verifier())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = CliRunner().invoke(main, ["keys", "create", "--name", "x", "--out", str(out)])
    assert again.exit_code == 2
    assert "never overwritten" in again.output
    assert note.parse_signer(out.read_text()) == signer


def test_a_key_name_with_a_space_is_refused(tmp_path: Path) -> None:
    made = CliRunner().invoke(main, ["keys", "create", "--name", "a b", "--out",
                                     str(tmp_path / "k")])  # fmt: skip
    assert made.exit_code == 2
    assert "no '+' and no spaces" in made.output
    assert not (tmp_path / "k").exists()
