"""The data subjects' keys and sealed values in PostgreSQL (migration 0018): opened for
reading, dropped by erasure, rewrapped by a master key's rotation (made and stored in
sealing by ``ledger.store.sealed_writes``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import asyncpg
import msgspec

from ledger.store import retention, sealing
from ledger.store.retention import Retention
from ledger.store.sealing import MasterKey
from plumbing.settings import SettingsError

Opened = dict[bytes, str | None]  # commitment → value (None: erased)


class WrongMasterKey(SettingsError):
    """The keys are wrapped by another master key than the one given: a setting to fix,
    said in one line by every command."""

    def __init__(self, wanted: str, given: MasterKey) -> None:
        super().__init__(
            f"LEDGER_PRIVACY_KEY_FILE: the subjects' keys are wrapped by master key {wanted},"
            f" not by this one ({given.id})"
        )


ERASED_CHANNEL = "ledger_subject_erased"
"""Where an erasure's transaction notifies its subject's id (delivered at commit): readers
that keep opened values drop the subject's (``ledger_api.opened_cache``)."""


class HeldValue(msgspec.Struct, frozen=True):
    """A value opened, with whose it is and the incident whose events sealed it."""

    subject: str
    incident: str
    value: str


async def open_values(
    conn: asyncpg.Connection | asyncpg.Pool,
    master: MasterKey,
    commitments: Iterable[bytes],
    incident: str | None = None,
) -> Opened:
    """The values behind ``commitments`` (sealed in ``incident``'s events, if given: a
    token copied into another incident's text opens nothing there); None for an erased
    one (or one never stored). One query: a pool's connection is taken for it alone."""
    held = await open_held(conn, master, commitments, incident)
    return {made: h.value for made, h in held.items()}


async def open_held(
    conn: asyncpg.Connection | asyncpg.Pool,
    master: MasterKey,
    commitments: Iterable[bytes],
    incident: str | None = None,
) -> dict[bytes, HeldValue]:
    """As :func:`open_values`, each value with its subject and incident; only those held
    (an erased or unknown commitment is absent)."""
    wanted = list(set(commitments))
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT v.commitment, v.ciphertext, v.incident_id, k.subject, k.wrapped, k.master_id"
        " FROM sealed_values v JOIN subject_keys k USING (subject)"
        " WHERE v.commitment = ANY($1::bytea[]) AND ($2::text IS NULL OR v.incident_id = $2)",
        wanted,
        incident,
    )
    return _unsealed(master, rows)


def _unsealed(master: MasterKey, rows: list[asyncpg.Record]) -> dict[bytes, HeldValue]:
    opened: dict[bytes, HeldValue] = {}
    keys: dict[str, bytes] = {}  # each subject's key unwrapped once per call
    for r in rows:
        if r["wrapped"] is None or r["ciphertext"] is None:
            continue
        if r["master_id"] != master.id:
            raise WrongMasterKey(r["master_id"], master)
        subject = r["subject"]
        if (key := keys.get(subject)) is None:
            key = keys[subject] = sealing.unwrap(master, subject, r["wrapped"])
        made = bytes(r["commitment"])
        value = sealing.unseal(key, made, r["ciphertext"])[1]
        opened[made] = HeldValue(subject, r["incident_id"], value)
    return opened


class Erasure(msgspec.Struct, frozen=True):
    subject: str
    erased_at: datetime
    erased_by: str
    reason: str
    position: int | None


class UnknownSubject(LookupError):
    pass


class AlreadyErased(Exception):
    def __init__(self, first: Erasure) -> None:
        at = first.erased_at.isoformat()
        super().__init__(f"{first.subject} was already erased at {at} (position {first.position})")
        self.first = first


async def erase(conn: asyncpg.Connection, subject: str, by: str, reason: str) -> Erasure:
    """Destroy ``subject``'s key and every ciphertext sealed under it, in one transaction
    that notifies :data:`ERASED_CHANNEL` of it (at commit).
        ``sealed_values`` is locked first against the ingest's writes: one under way commits
        before the ciphertexts are dropped, and one after starts once this has committed, so
        it finds the key gone and stores nothing under it (``ledger.store.sealed_writes``).
        The lock is SHARE ROW EXCLUSIVE, which also waits for another erasure: two SHARE
        locks would each let the other in and then each wait, at its UPDATE, for the
        other's lock to go (a deadlock, one erasure failed)."""
    async with conn.transaction():
        await conn.execute("LOCK TABLE sealed_values IN SHARE ROW EXCLUSIVE MODE")
        row = await conn.fetchrow(
            "SELECT * FROM subject_keys WHERE subject = $1 FOR UPDATE", subject
        )
        if row is None:
            raise UnknownSubject(subject)
        if row["erased_at"] is not None:
            raise AlreadyErased(_erasure(row))
        done = await conn.fetchrow(
            "UPDATE subject_keys SET wrapped = NULL, master_id = NULL, erased_at = now(),"
            " erased_by = $2, erasure_reason = $3 WHERE subject = $1 RETURNING *",
            subject,
            by,
            reason,
        )
        await conn.execute("UPDATE sealed_values SET ciphertext = NULL WHERE subject = $1", subject)
        await conn.execute("SELECT pg_notify($1, $2)", ERASED_CHANNEL, subject)
    return _erasure(done)


async def note_position(conn: asyncpg.Connection, subject: str, position: int) -> None:
    """Where the ledger recorded the erasure of ``subject``."""
    await conn.execute(
        "UPDATE subject_keys SET erasure_position = $2 WHERE subject = $1", subject, position
    )


def _erasure(row: asyncpg.Record) -> Erasure:
    return Erasure(
        row["subject"], row["erased_at"], row["erased_by"], row["erasure_reason"],
        row["erasure_position"],
    )  # fmt: skip


class Held(msgspec.Struct, frozen=True):
    """What is held about a subject: where its values are, and whether they still are."""

    subject: str
    created_at: datetime
    erasure: Erasure | None
    values: list[dict[str, str]]  # incident_id, event_id, path, token
    retention: Retention | None = None  # until when the values are held, by which policy


async def erasure_of(conn: asyncpg.Connection, subject: str) -> Erasure | None:
    """``subject``'s erasure (None while its key is held), read off its key's row alone;
    ``UnknownSubject`` if no value of it was ever sealed."""
    row = await conn.fetchrow("SELECT * FROM subject_keys WHERE subject = $1", subject)
    if row is None:
        raise UnknownSubject(subject)
    return None if row["erased_at"] is None else _erasure(row)


async def held(conn: asyncpg.Connection, subject: str) -> Held | None:
    row = await conn.fetchrow("SELECT * FROM subject_keys WHERE subject = $1", subject)
    if row is None:
        return None
    values = await conn.fetch(
        "SELECT incident_id, event_id, path, commitment FROM sealed_values"
        " WHERE subject = $1 ORDER BY incident_id, event_id, path",
        subject,
    )
    listed = [
        {
            "incident_id": v["incident_id"],
            "event_id": str(v["event_id"]),
            "path": v["path"],
            "token": sealing.PREFIX + sealing.b64(v["commitment"]),
        }
        for v in values
    ]
    erasure = None if row["erased_at"] is None else _erasure(row)
    kept = None if erasure is not None else await retention.of(conn, subject)
    return Held(subject, row["created_at"], erasure, listed, kept)


class Exported(msgspec.Struct, frozen=True):
    """A value held about a subject, with the salt that proves it against its token."""

    incident_id: str
    event_id: str
    path: str
    token: str
    value: str
    salt: str  # base64url: with the value, recomputes the token's commitment


async def export(conn: asyncpg.Connection, master: MasterKey, subject: str) -> list[Exported]:
    """Every value held about ``subject`` (none once erased), opened, in record order."""
    row = await conn.fetchrow("SELECT wrapped FROM subject_keys WHERE subject = $1", subject)
    if row is None or row["wrapped"] is None:
        return []
    key = sealing.unwrap(master, subject, row["wrapped"])
    values = await conn.fetch(
        "SELECT incident_id, event_id, path, commitment, ciphertext FROM sealed_values"
        " WHERE subject = $1 AND ciphertext IS NOT NULL ORDER BY incident_id, event_id, path",
        subject,
    )
    found = []
    for v in values:
        made = bytes(v["commitment"])
        salt, value = sealing.unseal(key, made, v["ciphertext"])
        token, where = sealing.PREFIX + sealing.b64(made), (v["incident_id"], str(v["event_id"]))
        found.append(Exported(*where, v["path"], token, value, sealing.b64(salt)))
    return found


async def rotate(conn: asyncpg.Connection, old: MasterKey, new: MasterKey) -> int:
    """Rewrap every held key from ``old`` to ``new`` (records untouched); how many. The
    master key's row is moved first: its lock waits for every sealing statement under way,
    whose keys the reads after it see, and keeps out every one after until this commits
    (``ledger.store.sealed_writes``). ``WrongMasterKey`` if the row names another key."""
    async with conn.transaction():
        named = await conn.fetchval("SELECT master_id FROM privacy_master FOR UPDATE")
        if named not in (None, old.id):
            raise WrongMasterKey(named, old)
        await conn.execute("UPDATE privacy_master SET master_id = $1", new.id)
        rows = await conn.fetch(
            "SELECT subject, wrapped FROM subject_keys WHERE master_id = $1 FOR UPDATE", old.id
        )
        rewrapped = [
            (r["subject"], sealing.wrap(new, r["subject"], sealing.unwrap(old, r["subject"], w)))
            for r in rows
            if (w := r["wrapped"]) is not None
        ]
        await conn.executemany(
            "UPDATE subject_keys SET wrapped = $2, master_id = $3 WHERE subject = $1",
            [(s, w, new.id) for s, w in rewrapped],
        )
    return len(rewrapped)
