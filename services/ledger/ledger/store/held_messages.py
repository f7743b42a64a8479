"""Which of a NATS stream's messages hold a personal value of given data subjects
(docs/erasure.md): a message as its publisher sent it, or a rejection record's raw bytes,
decoded and asked the same rule that named the subjects at sealing
(``contracts.subjects.holds_values_of``). Read through an ephemeral consumer, each message
once whatever the number of subjects."""

from __future__ import annotations

import base64
import contextlib
from typing import Any

import msgspec
import nats.errors
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError

from contracts.errors import ContractError
from contracts.limits import check_nesting
from contracts.subjects import holds_values_of

FETCH = 256  # messages a fetch asks for at most
WAIT = 5.0  # seconds a fetch of messages known to be there may take
_decode = msgspec.json.Decoder(dict[str, Any]).decode


class Match(msgspec.Struct, frozen=True):
    """What a scan looks for: messages holding a value of any of ``subjects``, as
    published, or inside a rejection record (``rejected``); called, which of them."""

    subjects: list[str]
    rejected: bool = False

    def __call__(self, data: bytes) -> list[str]:
        event = _rejected_event(data) if self.rejected else _event(data)
        if event is None:
            return []
        return [s for s in self.subjects if holds_values_of(event, s)]


def _consumer(on: str) -> api.ConsumerConfig:
    return api.ConsumerConfig(
        ack_policy=api.AckPolicy.NONE,
        deliver_policy=api.DeliverPolicy.ALL,
        filter_subject=on,
        mem_storage=True,
        num_replicas=1,
        inactive_threshold=30.0,  # gone by itself should its reader die mid-scan
    )


async def holding(
    js: JetStreamContext, stream: str, on: str, match: Match
) -> list[tuple[int, list[str]]]:
    """The sequences of ``stream``'s messages on ``on`` that ``match``, each with whom."""
    try:
        info = await js.add_consumer(stream, _consumer(on))
    except NotFoundError:  # no such stream (yet): nothing in it
        return []
    try:
        sub = await js.pull_subscribe_bind(durable=None, stream=stream, name=info.name)
        try:
            return await _scan(sub, info.num_pending or 0, match)
        finally:
            await sub.unsubscribe()
    finally:
        with contextlib.suppress(nats.errors.Error):
            await js.delete_consumer(stream, str(info.name))


async def _scan(
    sub: JetStreamContext.PullSubscription, pending: int, match: Match
) -> list[tuple[int, list[str]]]:
    found = []
    while pending > 0:
        for msg in await sub.fetch(min(pending, FETCH), timeout=WAIT):
            pending = msg.metadata.num_pending  # fewer, should others be deleted meanwhile
            if held := match(msg.data):
                found.append((msg.metadata.sequence.stream, held))
    return found


class _Raw(msgspec.Struct):
    raw: str = ""  # a rejection record's bytes as received, in base64


_raw = msgspec.json.Decoder(_Raw).decode


def rejection_holds(record: bytes, subject: str) -> bool:
    """Whether a rejection record's raw bytes hold a personal value of ``subject``."""
    event = _rejected_event(record)
    return event is not None and holds_values_of(event, subject)


def holds(data: bytes, subject: str) -> bool:
    """Whether a message's bytes, as published, hold a personal value of ``subject``."""
    event = _event(data)
    return event is not None and holds_values_of(event, subject)


def _rejected_event(record: bytes) -> dict[str, Any] | None:
    try:
        return _event(base64.b64decode(_raw(record).raw))
    except (msgspec.DecodeError, ValueError):  # ValueError: not base64 (binascii.Error too)
        return None


def _event(data: bytes) -> dict[str, Any] | None:
    """``data`` decoded, or None if it is not a JSON object or nests deeper than intake
    ever accepts (a rejection record keeps such bytes: decoding them, or walking what they
    decode to, would recurse until the stack ran out and stop every erasure's clearing)."""
    try:
        check_nesting(data)
        return _decode(data)
    except (msgspec.DecodeError, ContractError):
        return None
