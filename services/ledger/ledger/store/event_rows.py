"""The event store: the sequencer's reads and writes on the ``events`` table."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import msgspec
from ledger_verify.tiles import TiledRange

from contracts import lifecycle
from contracts.envelope import Envelope
from ledger.domain.prepared import Prepared
from ledger.domain.record import Link
from ledger.domain.sequencer import Batch, IncidentHead, Row, Stored, sequence
from ledger.store import merkle_head

COLUMNS = (
    "position",
    "event_id",
    "incident_id",
    "version",
    "type",
    "source",
    "occurred_at",
    "recorded_at",
    "record",
    "hash",
    "prev_position",
    "prev_hash",
)

# One round trip for both: each incident's last event (the unique (incident_id, version)
# index, read backwards) and the types its lifecycle folds over.
_HEADS = """
SELECT i.incident_id, h.version, h.position, h.hash, t.types
FROM unnest($1::text[]) AS i (incident_id)
CROSS JOIN LATERAL (
  SELECT version, position, hash FROM events
  WHERE incident_id = i.incident_id ORDER BY version DESC LIMIT 1
) AS h
CROSS JOIN LATERAL (
  SELECT array_agg(type ORDER BY version) AS types FROM events
  WHERE incident_id = i.incident_id
    AND regexp_replace(type, '[.]v[0-9]+$', '') = any($2::text[])
) AS t
"""

_STORED = """
SELECT event_id, incident_id, version, position, hash, record
FROM events WHERE event_id = any($1::uuid[])
"""


async def load_heads(conn: asyncpg.Connection, incidents: list[str]) -> dict[str, IncidentHead]:
    """Each incident's last event and lifecycle (an incident with events is at least open)."""
    if not incidents:
        return {}
    return {
        r["incident_id"]: IncidentHead(
            r["version"],
            Link(r["position"], r["hash"]),
            lifecycle.fold(r["types"] or [], opened=True),
        )
        for r in await conn.fetch(_HEADS, incidents, sorted(lifecycle.RELEVANT))
    }


async def load_stored(conn: asyncpg.Connection, ids: list[UUID]) -> dict[UUID, Stored]:
    return {
        r["event_id"]: Stored(r["incident_id"], r["version"], r["position"], r["hash"], r["record"])
        for r in await conn.fetch(_STORED, ids)
    }


async def next_position(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")) + 1


async def insert(conn: asyncpg.Connection, rows: Iterable[Row]) -> None:
    """Binary COPY: the fastest way in (for one row as fast as an INSERT).
    It has no ON CONFLICT, and needs none: a repeated event_id raises a unique violation
    and the caller retries with a full duplicate check. asyncpg sends every 512 kB as it
    goes, so rows made lazily are stored by PostgreSQL while later ones are being made."""
    await conn.copy_records_to_table(
        "events", records=(msgspec.structs.astuple(r) for r in rows), columns=COLUMNS
    )


def _progress(stream: str, seq: str) -> str:
    """The upsert of where the ingest stands in a stream (parameters ``stream`` and
    ``seq``; a NULL stream saves nothing). Positions only move forward."""
    return f"""
INSERT INTO ingest_offsets (stream, last_seq)
SELECT {stream}::text, {seq}::bigint WHERE {stream}::text IS NOT NULL
ON CONFLICT (stream) DO UPDATE SET last_seq = excluded.last_seq, updated_at = now()
WHERE ingest_offsets.last_seq < excluded.last_seq
RETURNING 1"""


ONE_TRIP_ROWS = 500
ONE_TRIP_BYTES = 8 * 1024 * 1024
"""The records' bytes a one-statement batch takes at most: its arguments are built whole in
memory on both sides, where COPY streams them (a publisher's event may be up to
``ledger.ingest.intake.MAX_RAW_BYTES``: 500 such would be a statement of 128 MB)."""


def one_trip(rows: Sequence[Row]) -> bool:
    """Whether ``rows`` go in one statement (few and small enough) rather than by COPY."""
    return len(rows) <= ONE_TRIP_ROWS and sum(len(r.record) for r in rows) <= ONE_TRIP_BYTES


_UNNEST = """unnest($9::bigint[], $10::uuid[], $11::text[], $12::integer[], $13::text[],
  $14::text[], $15::timestamptz[], $16::timestamptz[], $17::bytea[], $18::bytea[],
  $19::bigint[], $20::bytea[])"""
# A batch within ``one_trip`` (the ingest at ordinary rates commits a few events at a
# time, at 5,000/s tens to hundreds) in one statement: its records, the Merkle log's move,
# the stream position and the projector's wake-up. Below bulk rates latency is round trips
# to PostgreSQL, and this is one where COPY, the move and the position took four; bulk
# batches (thousands) keep COPY, faster per row and sent while the one before commits.
_ONE_TRIP = f"""
WITH appended AS (
  INSERT INTO events ({", ".join(COLUMNS)}) SELECT * FROM {_UNNEST} RETURNING 1
), {merkle_head.MOVES}, saved AS ({_progress("$21", "$22")})
SELECT {merkle_head.COUNTS}, pg_notify('ledger_events', $23::text),
  merkle_moved((SELECT count(*) FROM head),
               (SELECT count(*) FROM new) + (SELECT count(*) FROM grown), $1, $24)
"""
MOVED = "LM001"  # what merkle_moved raises: the statement failed and committed nothing


async def append_logged(
    conn: asyncpg.Connection,
    rows: list[Row],
    moves: merkle_head.Moves,
    progress: tuple[str, int] | None,
) -> None:
    """``rows`` recorded, the Merkle log moved, ``progress`` saved and listeners told, in
    one statement (at most ``ONE_TRIP_ROWS`` rows), which fails whole unless the log moved
    as planned: it may run in a transaction of its own."""
    columns = zip(*(msgspec.structs.astuple(r) for r in rows), strict=True)
    saved, position = progress or (None, None), str(rows[-1].position)
    try:
        row = await conn.fetchrow(
            _ONE_TRIP, *moves.arguments, *columns, *saved, position, moves.tiles
        )
    except asyncpg.PostgresError as exc:
        if exc.sqlstate == MOVED:
            raise merkle_head.HeadMoved(str(exc)) from None
        raise
    moves.check(row)


async def warm(conn: asyncpg.Connection) -> None:
    """Run the writer's statements once on nothing, so that asyncpg has them prepared
    (call inside a transaction, and roll it back: the append's trigger takes its lock)."""
    await conn.fetch(_HEADS, [], sorted(lifecycle.RELEVANT))
    await conn.fetch(_STORED, [])
    moves = merkle_head.Moves(-1, TiledRange())  # a size no head has: nothing moves
    nothing: list[list[object]] = [[] for _ in COLUMNS]
    with contextlib.suppress(asyncpg.PostgresError):  # merkle_moved refuses, as intended
        async with conn.transaction():  # a savepoint, so that the rest can go on
            await conn.fetchrow(_ONE_TRIP, *moves.arguments, *nothing, None, None, "0", 0)
    await merkle_head.save_nothing(conn)
    await conn.execute(_PROGRESS_AND_NOTIFY, None, None, "0")
    await read_progress(conn, "")
    await next_position(conn)


async def read_progress(conn: asyncpg.Connection, stream: str) -> int:
    value = await conn.fetchval("SELECT last_seq FROM ingest_offsets WHERE stream = $1", stream)
    return int(value or 0)


_PROGRESS = _progress("$1", "$2")
# Both in one round trip; the notification is delivered on commit and wakes the projector.
_PROGRESS_AND_NOTIFY = f"""
WITH saved AS ({_PROGRESS})
SELECT pg_notify('ledger_events', $3::text)
"""


async def save_progress(conn: asyncpg.Connection, stream: str, seq: int) -> None:
    await conn.execute(_PROGRESS, stream, seq)


async def notify(conn: asyncpg.Connection, position: int, progress: tuple[str, int] | None) -> None:
    """Tell listeners the log reached ``position`` (on commit), saving ``progress`` too."""
    await conn.execute(_PROGRESS_AND_NOTIFY, *(progress or (None, None)), str(position))


async def check_all(
    conn: asyncpg.Connection, envelopes: Sequence[Envelope | Prepared], *, origin: str
) -> Batch:
    """Sequence ``envelopes`` against the table itself: every event_id and head looked up.
    Call as the only writer, once the table holds every batch before (``Turn.settle``)."""
    stored = await load_stored(conn, list({e.event_id for e in envelopes}))
    heads = await load_heads(conn, list({e.incident_id for e in envelopes}))
    return sequence(
        envelopes,
        stored=stored,
        heads=heads,
        next_position=await next_position(conn),
        recorded_at=datetime.now(UTC),
        origin=origin,
    )
