"""Whether a master key fits the data subjects' keys already held (docs/erasure.md).

A service started with another key file would fail every read of a personal value and, in
the ingest, could wrap new subjects' keys under a second master key. One row tells: every
held key is wrapped by one master key, since a rotation rewraps them all in one transaction
(``subject_keys.rotate``) and new keys are wrapped only by a service that passed this check.
"""

from __future__ import annotations

import asyncpg

from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import WrongMasterKey


async def check(conn: asyncpg.Connection, master: MasterKey) -> None:
    """Raise ``WrongMasterKey`` (naming LEDGER_PRIVACY_KEY_FILE) if the held keys are
    wrapped by another master key; nothing held yet fits any key."""
    held = await conn.fetchval(
        "SELECT master_id FROM subject_keys WHERE wrapped IS NOT NULL LIMIT 1"
    )
    if held is not None and held != master.id:
        raise WrongMasterKey(held, master)
