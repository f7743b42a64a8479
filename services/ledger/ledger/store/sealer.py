"""Sealing at ingest: every personal value of an event replaced by its token before the
event's canonical bytes are recorded (``ledger.store.writer`` runs it on every append, from
NATS or HTTP). The tokens and the subjects' keys are ``ledger.store.sealing``'s; the sealed
values are stored, with the keys of subjects met for the first time, in one statement
(``ledger.store.sealed_writes``) before the records that name them.

The subjects' keys are kept here between batches (unwrapped, the latest ``CACHED``), so
that a batch costs that one statement and no look-up. Invariant, whatever erasures other
processes make meanwhile: a record holds a value's token only if that statement stored the
value, which it does only under a key it made or found still held; a key it finds erased is
dropped from here and its values become :data:`~sealing.ERASED`, unstored. A key erased
while a batch is sealed is therefore never used again once the erasure has committed.

A correction's new values of personal fields are sealed too, as the subject's whom the
corrected event's type names (``contracts.subjects.corrected_values``): the corrected
events are looked up once per batch that holds such a correction, among the events sealed
lately (batches ahead of their records) and then those recorded
(``ledger.store.correction_targets``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Final

import asyncpg
import msgspec

from contracts import canonical
from contracts.envelope import Envelope
from contracts.personal import Path, replace_in
from ledger.domain.prepared import Prepared, prepare
from ledger.domain.sealable import Value, personal, value
from ledger.domain.subjects import corrected_values, corrects_personal
from ledger.store import correction_targets, sealed_writes, sealing
from ledger.store.sealed_writes import SealedRow, Stored
from ledger.store.sealing import MasterKey

CACHED: Final = 100_000
READY: Final = 4_096
"""Subjects whose key is kept with its cipher made (``sealing.SubjectKey``, a few KB of
OpenSSL's contexts each, against a key's 32 bytes): the latest used, of the ``CACHED``."""
_PASSES: Final = 3  # a subject's key made elsewhere during a pass is found in the next


class KeysUnsettled(RuntimeError):
    """Subjects' keys kept being made elsewhere while a batch was sealed."""


class Sealer:
    def __init__(self, conn: asyncpg.Connection, master: MasterKey) -> None:
        self.conn, self.master = conn, master
        self._keys: dict[str, bytes] = {}  # subject → its key, the oldest first
        self._ready: dict[str, sealing.SubjectKey] = {}  # of those, the READY latest used
        self._recent = correction_targets.Recent()  # what corrections may correct
        self._planned = time.monotonic()  # when the connection's plans were last dropped

    async def close(self) -> None:
        if not self.conn.is_closed():
            self.conn.terminate()

    def keeps(self, subject: str) -> bool:
        """Whether ``subject``'s key is kept here."""
        return subject in self._keys

    def ready(self) -> int:
        """How many kept keys have their cipher made (at most ``READY``)."""
        return len(self._ready)

    async def seal(self, envelopes: Sequence[Envelope | Prepared]) -> list[Prepared]:
        """``envelopes`` prepared for the sequencer with their personal values sealed (those
        marked ``sealed`` as they are)."""
        prepared = [prepare(e) for e in envelopes]
        self._recent.add(prepared)
        events, values = personal(prepared)
        values += await self._corrected(prepared, events)
        if not values:
            return prepared
        tokens = await self._tokens(values)
        changes: dict[int, list[tuple[Path, str]]] = {at: [] for at in events}
        for v in values:
            changes[v.at].append((v.path, tokens[v.at, v.path]))
        for at, event in events.items():
            replace_in(event, changes[at])  # decoded for this alone
            sealed = canonical.encode_decoded(event)
            prepared[at] = msgspec.structs.replace(prepared[at], event=sealed)
        return prepared

    async def _corrected(
        self, prepared: list[Prepared], events: dict[int, dict[str, Any]]
    ) -> list[Value]:
        """The personal values of the corrections among ``events``."""
        wanted = {at: target for at, e in events.items() if (target := corrects_personal(e))}
        if not wanted:
            return []
        targets = await correction_targets.resolve(self.conn, self._recent, set(wanted.values()))
        values = []
        for at, target in wanted.items():
            event = events[at]
            ids = str(event["event_id"]), str(event["incident_id"])
            found = corrected_values(event, targets.get(target))
            values += [value(at, path, subject, v, *ids) for path, subject, v in found]
        return values

    async def _tokens(self, values: list[Value]) -> dict[tuple[int, Path], str]:
        tokens: dict[tuple[int, Path], str] = {}
        for _ in range(_PASSES):
            values = await self._pass(values, tokens)
            if not values:
                return tokens
        raise KeysUnsettled(f"{len(values)} values still without a settled key")

    async def _replanned(self) -> None:
        """The connection's plans dropped once kept ``sealed_writes.REPLAN_SECONDS``."""
        if (now := time.monotonic()) - self._planned > sealed_writes.REPLAN_SECONDS:
            await sealed_writes.replan(self.conn)
            self._planned = now

    async def _pass(self, values: list[Value], tokens: dict[tuple[int, Path], str]) -> list[Value]:
        """``values`` sealed under the keys kept here or made now and stored, each token
        put in ``tokens``; those whose subject's key proved made elsewhere, to seal again."""
        subjects = {v.subject for v in values}
        new = {s: sealing.new_subject_key() for s in subjects if s not in self._keys}
        keys = {s: sealing.SubjectKey(new[s]) if s in new else self._ready_key(s) for s in subjects}
        made, rows = _sealed(values, keys)
        await self._replanned()
        stored = await sealed_writes.store(self.conn, self.master, new, rows)
        self._learn(subjects, new, stored)
        for subject in stored.made:
            self._make_ready(subject, keys[subject])
        fates = {s: _fate(s, new, stored) for s in subjects}
        again = []
        for v, m in zip(values, made, strict=True):
            fate = fates[v.subject]
            if fate is _AGAIN:
                again.append(v)
            else:
                tokens[v.at, v.path] = m.token if fate is _STORED else sealing.ERASED
        return again

    def _learn(self, subjects: set[str], new: dict[str, bytes], stored: Stored) -> None:
        """Keep the keys made and found held; let go of those found erased (or gone)."""
        for subject in stored.made:
            self._keep(subject, new[subject])
        for subject, wrapped in stored.held.items():
            if wrapped is None:
                self._drop(subject)
            elif subject in new:
                self._keep(subject, sealing.unwrap(self.master, subject, wrapped))
        for subject in subjects - new.keys() - stored.held.keys():
            self._drop(subject)

    def _keep(self, subject: str, key: bytes) -> None:
        self._ready.pop(subject, None)  # made for another key, if it was
        self._keys[subject] = key
        if len(self._keys) > CACHED:
            self._drop(next(iter(self._keys)))

    def _drop(self, subject: str) -> None:
        self._keys.pop(subject, None)
        self._ready.pop(subject, None)

    def _ready_key(self, subject: str) -> sealing.SubjectKey:
        """``subject``'s kept key with its cipher (made now if it is not among the ready)."""
        ready = self._ready.pop(subject, None) or sealing.SubjectKey(self._keys[subject])
        self._make_ready(subject, ready)
        return ready

    def _make_ready(self, subject: str, key: sealing.SubjectKey) -> None:
        self._ready[subject] = key  # the latest used last
        if len(self._ready) > READY:
            del self._ready[next(iter(self._ready))]


_STORED, _ERASED, _AGAIN = "stored", "erased", "again"


def _fate(subject: str, new: dict[str, bytes], stored: Stored) -> str:
    """What became of a value of ``subject`` sealed under its key kept here or, if it is
    in ``new``, made now: stored, erased (not stored), or to be sealed again, under the key
    the table holds (made elsewhere, before or meanwhile) or a new one (its row gone)."""
    if subject in stored.made:
        return _STORED
    if subject not in stored.held:
        return _AGAIN
    if stored.held[subject] is None:
        return _ERASED
    return _AGAIN if subject in new else _STORED


def _sealed(
    values: list[Value], keys: dict[str, sealing.SubjectKey]
) -> tuple[list[sealing.Sealed], list[SealedRow]]:
    nonces = sealing.nonces(len(values))
    made = [
        sealing.seal(keys[v.subject], v.event_id, v.where, v.value, nonce)
        for v, nonce in zip(values, nonces, strict=True)
    ]
    rows = [
        SealedRow(m.commitment, v.subject, v.incident_id, v.event_id, v.where, m.sealed)
        for v, m in zip(values, made, strict=True)
    ]
    return made, rows
