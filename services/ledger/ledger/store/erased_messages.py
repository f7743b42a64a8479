"""An erased subject's messages removed from NATS (docs/erasure.md): every message of the
events stream that holds a personal value of the subject, in the clear as its publisher sent
it, and every rejection record whose raw bytes hold one, is deleted by its stream sequence,
and JetStream overwrites it in its store (``STREAM.MSG.DELETE`` without ``no_erase``: a
secure erase).

Which messages: those on the subjects of each incident the subject's values were sealed in
(``sealed_values``), read through an ephemeral consumer, whose JSON holds a value of the
subject (``contracts.subjects.holds_values_of``): a record's own message, its redeliveries,
one published after the erasure, one that was rejected; and the rejection stream's records,
all read (it has no subject per incident). Never a message the ledger has not settled yet
(past ``ingest_offsets``): the ingest still needs it.

Resumable: the erasure is done first, then this; ``subject_keys.stream_cleared_at`` and
``stream_cleared_upto`` (the ledger's last position read before the scan) are set only when
no such message is left. An erasure whose messages were not all deleted (NATS down, a
message not yet settled, a crash) stays pending, and so does one whose incidents recorded
an event past that position (its publisher may have sent a value again); the retention run
and ``ledger erase --pending`` take the pending ones up, all in one pass. Deleting twice is
harmless.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection

import asyncpg
import msgspec
import nats.errors
import structlog
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from contracts.topology import Topology
from ledger.store.held_messages import Match, holding

log = structlog.get_logger(__name__)


class Cleared(msgspec.Struct, frozen=True):
    subject: str
    deleted: int  # messages deleted now
    done: bool  # none left: the subject's erasure is complete in NATS


# Erased, and not yet cleared, or one of its incidents recorded an event past the last
# position read before the clearing scan: a message sequenced since may hold a value again
# (recorded ``pd1.erased``). Positions, not clocks: they become visible strictly in order.
_PENDING = """
SELECT k.subject FROM subject_keys k
WHERE k.erased_at IS NOT NULL AND ($1::text[] IS NULL OR k.subject = ANY($1::text[]))
AND (k.stream_cleared_upto IS NULL OR EXISTS (
  SELECT 1 FROM events e WHERE e.position > k.stream_cleared_upto AND e.incident_id IN (
    SELECT v.incident_id FROM sealed_values v WHERE v.subject = k.subject)))
ORDER BY k.erased_at
"""
_CLEARED = """
UPDATE subject_keys SET stream_cleared_at = now(), stream_cleared_upto = $2 WHERE subject = $1
"""


async def pending(conn: asyncpg.Connection, only: Collection[str] | None = None) -> list[str]:
    """The erased subjects (of ``only``, if given) whose messages may still be in NATS."""
    wanted = None if only is None else list(only)
    return [r["subject"] for r in await conn.fetch(_PENDING, wanted)]


async def clear_pending(
    conn: asyncpg.Connection,
    js: JetStreamContext,
    topology: Topology,
    only: Collection[str] | None = None,
) -> list[Cleared]:
    """:func:`clear` for every pending subject (of ``only``, if given), oldest erasure
    first, in one pass: the rejection stream is read once for all of them."""
    subjects = await pending(conn, only)
    return await clear(conn, js, topology, subjects) if subjects else []


async def clear(
    conn: asyncpg.Connection, js: JetStreamContext, topology: Topology, subjects: list[str]
) -> list[Cleared]:
    """Delete every settled message holding a value of an erased subject of ``subjects``,
    and every rejection record whose bytes hold one; each subject noted as done when none
    of its messages is left (a message not settled yet waits for a later run)."""
    upto = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
    settled = await _settled(conn, topology)  # both read before the scan: its cut-off
    found = await _found(conn, js, topology, subjects)
    rejected = await holding(
        js, topology.rejected_stream, topology.rejected_wildcard, Match(subjects, rejected=True)
    )
    return [await _clear_one(conn, js, topology, (subject, upto, settled), found, rejected)
            for subject in subjects]  # fmt: skip


async def _clear_one(
    conn: asyncpg.Connection,
    js: JetStreamContext,
    topology: Topology,
    cut: tuple[str, int, int],
    found: list[tuple[int, list[str]]],
    rejected: list[tuple[int, list[str]]],
) -> Cleared:
    """One subject's messages deleted (``cut``: the subject, the last position and the
    last settled sequence before the scan); a failure is logged by the subject's id and
    leaves it pending, the others carrying on."""
    subject, upto, settled = cut
    mine = _of(found, subject)
    try:
        deleted = await _delete(js, topology.events_stream, [s for s in mine if s <= settled])
        deleted += await _delete(js, topology.rejected_stream, _of(rejected, subject))
        left = any(s > settled for s in mine)
        if not left:
            await conn.execute(_CLEARED, subject, upto)
    except (nats.errors.Error, asyncpg.PostgresError, TimeoutError) as exc:
        log.warning("erased subject's messages left in NATS for a later run",
                    subject=subject, error=type(exc).__name__)  # fmt: skip
        return Cleared(subject, 0, False)
    return Cleared(subject, deleted, not left)


async def _found(
    conn: asyncpg.Connection, js: JetStreamContext, topology: Topology, subjects: list[str]
) -> list[tuple[int, list[str]]]:
    """The events stream's messages holding a value of any of ``subjects``, each read once:
    on the subjects of every incident their values were sealed in."""
    rows = await conn.fetch(
        "SELECT incident_id, array_agg(DISTINCT subject) AS subjects FROM sealed_values"
        " WHERE subject = ANY($1::text[]) GROUP BY incident_id ORDER BY incident_id",
        subjects,
    )
    found = []
    for row in rows:
        on = topology.event_subject("*", row["incident_id"])
        found += await holding(js, topology.events_stream, on, Match(row["subjects"]))
    return found


def _of(found: list[tuple[int, list[str]]], subject: str) -> list[int]:
    return [seq for seq, held in found if subject in held]


async def _settled(conn: asyncpg.Connection, topology: Topology) -> int:
    """The last stream sequence the ledger has settled (``ingest_offsets``)."""
    last = await conn.fetchval(
        "SELECT last_seq FROM ingest_offsets WHERE stream = $1", topology.events_stream
    )
    return int(last or 0)


async def _delete(js: JetStreamContext, stream: str, sequences: list[int]) -> int:
    """Each message deleted and overwritten (JetStream's default: a secure erase)."""
    for seq in sequences:
        with contextlib.suppress(NotFoundError):  # deleted already: by another run
            await js.delete_msg(stream, seq)
    return len(sequences)
