"""Where the project's own files live: the repository that the package runs from."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The checkout holding ``infra/`` and ``migrations/`` (``LEDGER_HOME`` overrides)."""
    override = os.environ.get("LEDGER_HOME")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[3]


def infra_dir() -> Path:
    return repo_root() / "infra"


def migrations_dir() -> Path:
    return repo_root() / "migrations"
