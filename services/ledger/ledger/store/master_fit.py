"""Whether a master key fits the data subjects' keys already held (docs/erasure.md).

A service started with another key file would fail every read of a personal value (the
ingest's sealing statement refuses to make keys under it: ``ledger.store.sealed_writes``).
One row tells: ``privacy_master`` (migration 0020) names the master key every held key is
wrapped by, moved by a rotation in the transaction that rewraps them all
(``subject_keys.rotate``).
"""

from __future__ import annotations

import asyncpg

from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import WrongMasterKey


async def check(conn: asyncpg.Connection, master: MasterKey) -> None:
    """Raise ``WrongMasterKey`` (naming LEDGER_PRIVACY_KEY_FILE) if the held keys are
    wrapped by another master key; nothing held yet fits any key."""
    held = await conn.fetchval("SELECT master_id FROM privacy_master")
    if held is not None and held != master.id:
        raise WrongMasterKey(held, master)
