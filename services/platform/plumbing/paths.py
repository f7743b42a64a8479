"""Where the project's own files live: the migrations, the policy packs and the servers'
configuration. An installed wheel carries them as package data (``plumbing/shipped/``,
mapped in ``pyproject.toml``); a checkout has them in place."""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import BinaryIO

PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


def repo_root() -> Path:
    """The checkout holding ``infra/`` and ``migrations/`` (``LEDGER_HOME`` overrides)."""
    override = os.environ.get("LEDGER_HOME")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[3]


def _shipped(name: str, in_checkout: Path) -> Path:
    """``name`` from the wheel's package data when installed, else from the checkout."""
    if os.environ.get("LEDGER_HOME"):
        return in_checkout
    packaged = Path(str(resources.files("plumbing"))) / "shipped" / name
    return packaged if packaged.is_dir() else in_checkout


def infra_dir() -> Path:
    return _shipped("infra", repo_root() / "infra")


def migrations_dir() -> Path:
    return _shipped("migrations", repo_root() / "migrations")


def shipped_packs_dir() -> Path:
    """The policy packs shipped (``LEDGER_PROJECTOR_PACKS_DIR`` may name others)."""
    return _shipped("packs", repo_root() / "services" / "projector" / "packs")


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


def private_dir(path: Path) -> Path:
    """``path`` made if missing, and listable and enterable by this user alone (made by
    this user; a directory of someone else's, e.g. a chosen ``/var/log``, is left as it is).
    Only for a directory that holds nothing another user needs: never the data directory,
    which the embedded PostgreSQL's service user passes through under root."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if path.stat().st_uid == os.geteuid():
        path.chmod(PRIVATE_DIR)
    return path


def open_private(path: Path, *, append: bool = True) -> BinaryIO:
    """``path`` opened for writing, readable by this user alone: created so (never readable
    by others, not even for a moment), or narrowed if an earlier version left it wider."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    handle = os.open(path, flags | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        os.fchmod(handle, PRIVATE_FILE)
    except BaseException:
        os.close(handle)
        raise
    return os.fdopen(handle, "ab" if append else "wb")
