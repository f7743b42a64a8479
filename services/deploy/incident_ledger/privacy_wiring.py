"""Wiring for sealed personal data: the master key from ``LEDGER_PRIVACY_KEY_FILE``, or
development's own, made once in the data directory (docs/erasure.md)."""

from __future__ import annotations

from pathlib import Path

import structlog

from ledger.store.sealing import MasterKey
from plumbing.paths import PRIVATE_DIR, write_private
from plumbing.settings import Settings, SettingsError

log = structlog.get_logger(__name__)
DEV_KEY = "privacy.key"


def dev_key(data_dir: Path) -> Path:
    """A development master key in the data directory, made once."""
    path = data_dir / DEV_KEY
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        write_private(path, (MasterKey.generate() + "\n").encode())
        log.warning("made a development master key for personal data", path=str(path))
    return path


def master_key(settings: Settings) -> MasterKey:
    """The master key; a file that is not one fails fast, naming the variable."""
    path = settings.privacy.key_file or dev_key(settings.stack.data_dir)
    try:
        return MasterKey.read(path)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"LEDGER_PRIVACY_KEY_FILE: not a master key ({exc})") from None
