"""A batch's sealed values carried by its one-statement append (``ledger.store.event_rows``)
instead of a sealing statement of their own, when the sealer kept every subject's key the
batch's values were sealed under (``Sealer.seal_carried``): one round trip to PostgreSQL
less on every such batch, which at ordinary rates is every batch but those that meet a
subject for the first time.

The values are stored, and the records that name them appended, only if every one of those
keys is still held and wrapped by the master key they were sealed with, when the statement
runs: ``sealing_carried`` (migration 0025) fails the whole statement otherwise, and the
writer seals the batch again by the sealing statement (``ledger.store.sealed_writes``),
which finds what moved. The fences are the sealing statement's: the master key's row is
locked (FOR SHARE) first, so a rotation under way is waited for and then seen (READ
COMMITTED rechecks a locked row's newest version); an erasure locks ``sealed_values``
before it drops a key, so this statement, which inserts into that table, either commits
before the erasure looks for the subject's values or starts once it has committed, and
sees the key gone.
"""

from __future__ import annotations

from typing import Final

import msgspec

from ledger.store.sealed_writes import SealedRow


class Carried(msgspec.Struct, frozen=True):
    """A batch's sealed values, and the subjects and master key they were sealed under."""

    master_id: str
    subjects: list[str]  # each once
    rows: list[SealedRow]

    def arguments(self) -> tuple[list[str], str, list[SealedRow]]:
        return self.subjects, self.master_id, self.rows


class SealingMoved(Exception):
    """A key the batch was sealed under was erased, or rewrapped by another master key,
    since the sealer kept it: nothing of the statement was committed."""


MOVED: Final = "LS001"  # what sealing_carried raises


def ctes(first: int) -> str:
    """The statement's part that locks the master key's row, counts the keys still held and
    stores the values, with parameters ``$first`` (subjects), ``$first+1`` (the master
    key's id) and ``$first+2`` (the values)."""
    subjects, master, values = f"${first}", f"${first + 1}", f"${first + 2}"
    return f"""sealing_master AS (
  SELECT master_id FROM privacy_master FOR SHARE
), sealing_held AS (
  SELECT count(*) AS n FROM subject_keys
  WHERE subject = ANY ({subjects}::text[]) AND wrapped IS NOT NULL AND master_id = {master}::text
), sealing_stored AS (
  INSERT INTO sealed_values (commitment, subject, incident_id, event_id, path, ciphertext)
  SELECT v.commitment, v.subject, v.incident_id, v.event_id, v.path, v.ciphertext
  FROM unnest({values}::sealed_value_in[]) AS v
  ON CONFLICT (commitment) DO NOTHING
)"""


def check(first: int) -> str:
    """The statement's call that fails it unless every key is held (parameters as
    :func:`ctes`)."""
    return (
        f"sealing_carried((SELECT n FROM sealing_held), cardinality(${first}::text[]),"
        f" (SELECT master_id FROM sealing_master) = ${first + 1}::text)"
    )
