"""``ledger --version`` names the installed package's version, and needs no settings, no
database and no NATS (an image's smoke test runs it)."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from click.testing import CliRunner

from incident_ledger.cli import main

pytestmark = pytest.mark.unit


def test_the_version_is_the_installed_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_DATABASE_URL", "not a url")  # settings are not read
    said = CliRunner().invoke(main, ["--version"])
    assert said.exit_code == 0, said.output
    assert said.output.strip() == f"ledger, version {version('incident-ledger')}"
