"""Where the project's own files live: the repository that the package runs from."""

from __future__ import annotations

import os
import tempfile
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


def write_private(path: Path, data: bytes) -> None:
    """``data`` written to ``path`` in one step, readable by this user alone: another
    process never reads a half-written file, and a secret is never readable by others,
    not even between writing and ``chmod``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
