"""The data subjects' keys and sealed values in PostgreSQL (migration 0018): found or made
for sealing, opened for reading, dropped by erasure, rewrapped by a master key's rotation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from ledger.store import retention, sealing
from ledger.store.retention import Retention
from ledger.store.sealing import MasterKey
from plumbing.settings import SettingsError

Keys = dict[str, bytes | None]  # subject → its key (None: erased)


async def keys_for(conn: asyncpg.Connection, master: MasterKey, subjects: Iterable[str]) -> Keys:
    """Each subject's key, made (and stored, wrapped) for a subject met for the first time."""
    wanted = sorted(set(subjects))
    found = await _load(conn, master, wanted)
    missing = [s for s in wanted if s not in found]
    if missing:
        made = {s: sealing.new_subject_key() for s in missing}
        await conn.execute(
            "INSERT INTO subject_keys (subject, wrapped, master_id)"
            " SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[])"
            " ON CONFLICT (subject) DO NOTHING",
            missing,
            [sealing.wrap(master, s, k) for s, k in made.items()],
            [master.id] * len(missing),
        )
        found |= await _load(conn, master, missing)  # another writer's, if it won the race
    return found


async def _load(conn: asyncpg.Connection, master: MasterKey, subjects: Sequence[str]) -> Keys:
    rows = await conn.fetch(
        "SELECT subject, wrapped FROM subject_keys WHERE subject = ANY($1::text[])", subjects
    )
    return {r["subject"]: _unwrapped(master, r) for r in rows}


def _unwrapped(master: MasterKey, row: asyncpg.Record) -> bytes | None:
    wrapped = row["wrapped"]
    return None if wrapped is None else sealing.unwrap(master, row["subject"], wrapped)


class SealedRow(msgspec.Struct, frozen=True, array_like=True):
    commitment: bytes
    subject: str
    incident_id: str
    event_id: UUID
    path: str
    ciphertext: bytes


async def store(conn: asyncpg.Connection, rows: Sequence[SealedRow]) -> None:
    """The sealed values (a redelivered event's again: kept as first stored)."""
    if not rows:
        return
    columns = list(zip(*(msgspec.structs.astuple(r) for r in rows), strict=True))
    await conn.execute(
        "INSERT INTO sealed_values (commitment, subject, incident_id, event_id, path, ciphertext)"
        " SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::uuid[], $5::text[],"
        " $6::bytea[]) ON CONFLICT (commitment) DO NOTHING",
        *(list(c) for c in columns),
    )


Opened = dict[bytes, str | None]  # commitment → value (None: erased)


class WrongMasterKey(SettingsError):
    """The keys are wrapped by another master key than the one given: a setting to fix,
    said in one line by every command."""

    def __init__(self, wanted: str, given: MasterKey) -> None:
        super().__init__(
            f"LEDGER_PRIVACY_KEY_FILE: the subjects' keys are wrapped by master key {wanted},"
            f" not by this one ({given.id})"
        )


async def open_values(
    conn: asyncpg.Connection, master: MasterKey, commitments: Iterable[bytes]
) -> Opened:
    """The values behind ``commitments``; None for an erased one (or one never stored)."""
    wanted = list(set(commitments))
    if not wanted:
        return {}
    rows = await conn.fetch(
        "SELECT v.commitment, v.ciphertext, k.subject, k.wrapped, k.master_id FROM sealed_values v"
        " JOIN subject_keys k USING (subject) WHERE v.commitment = ANY($1::bytea[])",
        wanted,
    )
    opened: Opened = {}
    for r in rows:
        if r["wrapped"] is None or r["ciphertext"] is None:
            continue
        if r["master_id"] != master.id:
            raise WrongMasterKey(r["master_id"], master)
        key = sealing.unwrap(master, r["subject"], r["wrapped"])
        made = bytes(r["commitment"])
        opened[made] = sealing.unseal(key, made, r["ciphertext"])[1]
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
    """Destroy ``subject``'s key and every ciphertext sealed under it, in one transaction."""
    async with conn.transaction():
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
    """Rewrap every held key from ``old`` to ``new`` (records untouched); how many."""
    async with conn.transaction():
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
