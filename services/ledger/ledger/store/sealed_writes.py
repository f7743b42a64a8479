"""A batch's sealed values stored in one statement (migration 0018's tables), with the keys
made for the subjects met for the first time.

A value is stored only under a key that is held when the statement runs: the key made in
the same statement, or one the sealer already had (``ledger.store.sealer``) whose row still
holds it. An erasure locks ``sealed_values`` before it drops a key
(``ledger.store.subject_keys.erase``), so this statement either commits before the erasure
looks for the subject's values, or starts once the erasure has committed, and sees it.

The statement commits without waiting for its WAL to reach the disk (``connect``): the
records that name its values commit after it, and their commit (synchronous) flushes the
WAL up to theirs, so its values are on disk before any record that names them is. If the
server stops before that, the batch is not recorded either, and is sealed again when it
comes again (under a new key if the one made was lost too: no record names its tokens). A
batch's sealing is one statement and no disk wait (two when it holds a value stored before:
``_STORE_AGAIN``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple

import asyncpg
import msgspec

from ledger.store import sealing
from ledger.store.sealing import MasterKey
from ledger.store.subject_keys import WrongMasterKey


class SealedRow(NamedTuple):
    """A sealed value as the statement takes it: a ``sealed_value_in`` (migration 0024),
    whose fields are these, in this order. A batch's rows go as one array of that type
    (asyncpg checks each element of an array against several ABCs: a row is checked once,
    not each column's value)."""

    commitment: bytes
    subject: str
    incident_id: str
    event_id: str  # a UUID's text
    path: str
    ciphertext: bytes


class Stored(msgspec.Struct, frozen=True):
    """What the statement found: the subjects whose key it made, and the wrapped key of
    every other subject already known to the table (None: erased)."""

    made: frozenset[str]
    held: dict[str, bytes | None]


async def connect(database_url: str) -> asyncpg.Connection:
    """The sealer's own connection: its commits do not wait for the disk (above). Its
    statements' plans are kept as PostgreSQL keeps them (a generic plan once it is judged
    no worse: planning the sealing statement for each batch was most of its cost), and
    made anew every ``REPLAN_SECONDS`` (``replan``)."""
    return await asyncpg.connect(
        database_url, timeout=5, server_settings={"synchronous_commit": "off"}
    )


REPLAN_SECONDS: Final = 60.0
"""How long the sealing statement's plan is kept. A kept plan is made anew only when the
tables are analyzed; made every minute, it follows the key table's size even where their
statistics lag (autovacuum off): ``held`` reads each key by its index once the table is
large (a scan of a table of a few hundred keys is judged cheaper)."""


async def replan(conn: asyncpg.Connection) -> None:
    """The connection's kept plans dropped: each statement is planned again when next run."""
    await conn.execute("DISCARD PLANS")


# The master key's row is locked (FOR SHARE) before any key is made or value stored, and
# both happen only if it names this statement's master key. A rotation updates that row
# first in its transaction, so it waits for every statement holding the lock to commit and
# then, its own later reads seeing their keys, rewraps them too; a statement that comes
# after waits for the rotation's commit and reads the row as it left it (READ COMMITTED
# rechecks a locked row's newest version): another master key, so it makes and stores
# nothing. No key is wrapped by a master key the others are not.
_STORING = """
WITH master AS (
    SELECT master_id FROM privacy_master FOR SHARE
), made AS (
    INSERT INTO subject_keys (subject, wrapped, master_id)
    SELECT k.subject, k.wrapped, $3 FROM unnest($1::text[], $2::bytea[]) AS k (subject, wrapped)
    WHERE (SELECT master_id FROM master) = $3
    ON CONFLICT (subject) DO NOTHING RETURNING subject
), held AS (  -- one look-up per subject (LIMIT keeps it a subquery of its own)
    SELECT s.subject, k.wrapped FROM unnest($4::text[]) AS s (subject)
    CROSS JOIN LATERAL (
        SELECT wrapped FROM subject_keys WHERE subject = s.subject LIMIT 1
    ) AS k
), usable AS (  -- the keys made now, and those held that were not to be made
    SELECT subject FROM made
    UNION ALL SELECT subject FROM held WHERE wrapped IS NOT NULL AND subject <> ALL ($1::text[])
), stored AS (
    INSERT INTO sealed_values (commitment, subject, incident_id, event_id, path, ciphertext)
    SELECT v.commitment, v.subject, v.incident_id, v.event_id, v.path, v.ciphertext
    FROM unnest($5::sealed_value_in[]) AS v
    WHERE (SELECT master_id FROM master) = $3 AND v.subject IN (SELECT subject FROM usable)
    {conflicts}
)
SELECT 'made' AS kind, subject, NULL::bytea AS wrapped FROM made
UNION ALL SELECT 'held', subject, wrapped FROM held
UNION ALL SELECT 'master', master_id, NULL FROM master
"""
_STORE = _STORING.format(conflicts="")
_STORE_AGAIN = _STORING.format(conflicts="ON CONFLICT (commitment) DO NOTHING")
# A value is stored again only when its event is (a redelivery): the first statement
# leaves out ON CONFLICT, whose speculative insertion costs PostgreSQL more per row than
# the row itself, and a batch that trips the commitment's unique index, which leaves
# nothing of the statement behind, is stored by the second, keeping what was stored first.
_CLAIM = "UPDATE privacy_master SET master_id = $1 WHERE master_id IS NULL"


async def store(
    conn: asyncpg.Connection,
    master: MasterKey,
    new_keys: Mapping[str, bytes],
    rows: list[SealedRow],
) -> Stored:
    """``rows`` stored where their subject's key is ``new_keys``' (made now, unless the
    subject is known already) or, for a subject not in ``new_keys``, still held. A
    redelivered event's values are kept as first stored. Nothing is made or stored if the
    keys are wrapped by another master key (rotated away from ``master``): ``WrongMasterKey``
    (the batch fails, to be sealed again by an ingest given the new key)."""
    subjects = sorted(new_keys)
    wrapped = [sealing.wrap(master, s, new_keys[s]) for s in subjects]
    arguments = (subjects, wrapped, master.id, sorted({r.subject for r in rows}), rows)
    found = await _stored(conn, arguments)
    if _named(found) is None:  # no key made yet under any master key: this one claims it
        await conn.execute(_CLAIM, master.id)
        found = await _stored(conn, arguments)
    if (named := _named(found)) != master.id:
        raise WrongMasterKey(named or "(none)", master)
    made = frozenset(r["subject"] for r in found if r["kind"] == "made")
    return Stored(made, {r["subject"]: r["wrapped"] for r in found if r["kind"] == "held"})


async def _stored(conn: asyncpg.Connection, arguments: tuple[object, ...]) -> list[asyncpg.Record]:
    """The statement's rows; within a caller's transaction, which a failed statement would
    abort, by the statement with ``ON CONFLICT`` at once."""
    if conn.is_in_transaction():
        return list(await conn.fetch(_STORE_AGAIN, *arguments))
    try:
        found: list[asyncpg.Record] = await conn.fetch(_STORE, *arguments)
    except asyncpg.UniqueViolationError:  # a value stored before: keep it as it was
        found = await conn.fetch(_STORE_AGAIN, *arguments)
    return found


def _named(found: list[asyncpg.Record]) -> str | None:
    """The master key the row names, as the statement found it."""
    return next((r["subject"] for r in found if r["kind"] == "master"), None)
