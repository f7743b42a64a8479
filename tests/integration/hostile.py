"""Watching the ledger while a hostile publisher sends: which messages were recorded,
which rejected (and with what code), and whether the sequencer's lead ever changed.

``between_goods`` is the whole check for one round of hostile messages, independent of
how they are sent: it takes a ``send`` function (NATS here; HTTP can pass its own), sends
each hostile message between good events, and waits until every message has its outcome.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import msgspec
import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext

from contracts.topology import Topology
from ledger.ingest.intake import RejectionRecord
from plumbing.leader import LOCK_KEY
from tests.support import note

# What a hostile message may be refused with: every code but internal_error (a defect).
CODES = {
    "invalid_json",
    "schema_violation",
    "unknown_type",
    "future_timestamp",
    "oversize",
    "source_mismatch",
    "subject_mismatch",
    "version_conflict",
    "invalid_transition",
    "duplicate_conflict",
}
Send = Callable[[str, bytes], Awaitable[None]]  # (incident token of the subject, bytes)


async def leader_pid(pool: asyncpg.Pool) -> int | None:
    """The PostgreSQL backend holding the sequencer's lead: another one, after any change
    of lead (each lead is taken on a new connection)."""
    pid = await pool.fetchval(
        """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1""",
        LOCK_KEY >> 32,
        LOCK_KEY & 0xFFFFFFFF,
    )
    return None if pid is None else int(pid)


def nats_sender(
    nc: Client,
    topology: Topology,
    source: str = "desk",
    headers: dict[str, dict[str, str]] | None = None,
) -> Send:
    """Publishing on JetStream, with the ``headers`` given for an incident token, if any."""
    js = nc.jetstream()

    async def send(incident: str, data: bytes) -> None:
        subject = topology.event_subject(source, incident)
        extra = (headers or {}).get(incident, {})
        await js.publish(subject, data, headers={"Nats-Msg-Id": str(uuid.uuid4()), **extra})

    return send


@dataclass
class Watch:
    """Rejection records as they arrive on ``incidents.rejected.>``, by event subject."""

    pool: asyncpg.Pool
    nc: Client
    topology: Topology
    rejections: dict[str, RejectionRecord] = field(default_factory=dict)
    _sub: JetStreamContext.PullSubscription | None = None

    async def _read(self) -> None:
        if self._sub is None:
            self._sub = await self.nc.jetstream().pull_subscribe(
                self.topology.rejected_wildcard, durable=None, stream=self.topology.rejected_stream
            )
        try:
            msgs = await self._sub.fetch(500, timeout=0.05)
        except (nats.errors.TimeoutError, TimeoutError):  # nats-py raises either
            return
        for msg in msgs:
            record = msgspec.json.decode(msg.data, type=RejectionRecord)
            self.rejections[record.subject] = record

    async def close(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()  # a pull subscription left open stalls the drain

    async def recorded(self, event_ids: list[str]) -> set[str]:
        rows = await self.pool.fetch(
            "SELECT event_id::text FROM events WHERE event_id = ANY($1::uuid[])", event_ids
        )
        return {r["event_id"] for r in rows}

    async def settle(
        self, goods: list[str], subjects: list[str], ids: dict[str, str], within: float = 30.0
    ) -> set[str]:
        """Wait until every good event is recorded and every hostile subject has an
        outcome: a rejection record, or its event (``ids``: subject → event_id) recorded.
        Returns the hostile subjects whose event was recorded."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            await self._read()
            recorded = await self.recorded(goods + list(ids.values()))
            accepted = {s for s, event_id in ids.items() if event_id in recorded}
            open_ = [s for s in subjects if s not in self.rejections and s not in accepted]
            if (set(goods) <= recorded and not open_) or (
                asyncio.get_running_loop().time() > deadline
            ):
                return accepted


async def between_goods(
    watch: Watch,
    send: Send,
    hostile: list[bytes],
    ids: list[str | None],
    prefix: str,
    source: str = "desk",
) -> None:
    """Send each hostile message (for incident token ``<prefix>-<n>``) between good events
    (of ``source``); then every good event is recorded, and every hostile one is either
    recorded (if it had an event_id, in ``ids``) or rejected with a documented code, its
    record's ``subject`` being the NATS subject of ``source`` and that token (a ``send``
    over HTTP must record its rejections under the same subject)."""
    goods: list[str] = []

    async def good(n: int) -> None:
        event = note(f"{prefix}-good-{n}", source=source)
        await send(event["incident_id"], msgspec.json.encode(event))
        goods.append(event["event_id"])

    subjects, by_subject = [], {}
    await good(0)
    for n, (data, event_id) in enumerate(zip(hostile, ids, strict=True)):
        incident = f"{prefix}-{n}"
        await send(incident, data)
        subject = watch.topology.event_subject(source, incident)
        subjects.append(subject)
        if event_id is not None:
            by_subject[subject] = event_id
        await good(n + 1)
    accepted = await watch.settle(goods, subjects, by_subject)
    assert set(goods) <= await watch.recorded(goods), "a good event was not recorded"
    for subject in subjects:
        record = watch.rejections.get(subject)
        assert (record is None) == (subject in accepted), subject
        if record is not None:
            assert record.code in CODES, (record.code, record.message)
